"""A browser asking for what is not there (no such path, or not with that method) gets the
site's error page with the real status; API clients keep MLflow's JSON error."""

import httpx

from tests.pages.conftest import BrowserPage, assert_accessible

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def test_a_browser_gets_an_unknown_path_as_the_sites_error_page(live, browser_page: BrowserPage):
    page = browser_page.page
    response = page.goto(live.url + "/no-such-page")
    assert response is not None and response.status == 404
    assert page.inner_text("h1") == "Not found"
    assert "/no-such-page" in page.inner_text("[role=alert]")
    assert page.evaluate("document.styleSheets[0].cssRules.length") > 10  # the site's frame
    assert_accessible(page)
    assert not browser_page.violations()


def test_a_wrong_method_is_a_405_page_for_a_browser_and_json_for_a_client(live):
    page = httpx.get(f"{live.url}/logout", headers=HTML)
    assert page.status_code == 405 and page.headers["content-type"].startswith("text/html")
    assert "<h1>" in page.text and "GET" in page.text
    assert page.headers["allow"] == "POST"
    client = httpx.get(f"{live.url}/logout")
    assert client.status_code == 405 and client.headers["allow"] == "POST"
    assert client.json()["error_code"] == "ENDPOINT_NOT_FOUND"


def test_api_clients_keep_the_json_error(live):
    for path, headers in [
        ("/no-such-page", {}),
        ("/no-such-page", {"Accept": "application/json"}),
        ("/api/v1/no-such-route", HTML),
        ("/api/3.0/mlflow/no-such-route", HTML),
    ]:
        answer = httpx.get(live.url + path, headers=headers)
        assert answer.status_code == 404, path
        assert answer.json()["error_code"] == "ENDPOINT_NOT_FOUND", path
