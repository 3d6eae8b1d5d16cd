"""`quorum demo` on an empty folder: the demo loads, its passwords are printed once, and its
people can sign in and find the work it did (agreed items promoted, disputes in review)."""

import re
import sys
import time
from pathlib import Path

import httpx

from tests.servers import clean_env, free_port, serving, sign_in

QUORUM = str(Path(sys.executable).parent / "quorum")


def printed_passwords(output: str) -> dict[str, str]:
    return dict(re.findall(r"^  (\w+)\s+\w+\s+(\S+)$", output, re.M))


def test_demo_on_an_empty_folder_signs_its_people_in(tmp_path):
    port = free_port()
    # Plain http to 127.0.0.1: the client must send the session cookie back without TLS.
    env = clean_env(QUORUM_SECURE_COOKIES="false")
    with serving([QUORUM, "demo", "--port", str(port)], port=port, cwd=tmp_path, env=env) as demo:
        passwords = printed_passwords(demo.output)
        assert set(passwords) == {"boss", "lead", "ann1", "ann2", "ann3", "rev1", "rev2", "rev3"}
        assert (tmp_path / "quorum.db").exists()
        with httpx.Client(base_url=demo.url) as browser:
            assert sign_in(browser, "rev1", passwords["rev1"]).status_code == 200
        with httpx.Client(base_url=demo.url) as browser:
            home = sign_in(browser, "lead", passwords["lead"])
            assert home.status_code == 200 and "36 traces" in home.text
            # The embedded worker settles the demo's work moments after the start.
            deadline = time.monotonic() + 60
            while not all(state in home.text for state in ("promoted", "in_review")):
                assert time.monotonic() < deadline, home.text
                time.sleep(0.5)
                home = browser.get("/")
        with httpx.Client(base_url=demo.url) as browser:
            sign_in(browser, "boss", passwords["boss"])
            # The reviewers' vote-needed emails, written to the folder, linking to this port.
            emails = browser.get("/admin/emails")
            assert emails.status_code == 200 and "Your vote is needed" in emails.text
            first = re.search(r'href="(/admin/emails/\d+)"', emails.text).group(1)
            assert f"{demo.url}/review/items/" in browser.get(first).text
        assert list((tmp_path / "quorum-mail").glob("*.eml"))
    # A second start keeps the demo as it is and shows no password again.
    with serving([QUORUM, "demo", "--port", str(port)], port=port, cwd=tmp_path, env=env) as again:
        assert printed_passwords(again.output) == {}
        assert "loaded already" in again.output
