"""The templates' `markdown` filter: Markdown typed by users (a campaign's instructions) as safe
HTML, with raw HTML shown as text, links only to http(s), mailto or this site, and no images."""

from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markupsafe import Markup

from api.pages.site import TEMPLATES

SAFE_SCHEMES = frozenset({"", "http", "https", "mailto"})
# The text sits under the page's own h1 and h2: its headings start at h3.
HEADING_SHIFT = 2


def _safe_link(url: str) -> bool:
    # An allowlist, where markdown-it's own check is a denylist (javascript:, vbscript:, ...).
    try:
        return urlsplit(url.strip()).scheme.lower() in SAFE_SCHEMES
    except ValueError:
        return False


def _shift_headings(state: StateCore) -> None:
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + HEADING_SHIFT)}"


# html=False escapes raw HTML; images are off: the CSP refuses other sites' images anyway, and an
# <img> is where injected markup would start.
_MD = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"]).disable("image")
_MD.validateLink = _safe_link
_MD.core.ruler.push("shift_headings", _shift_headings)


def to_html(text: str | None) -> Markup:
    """`text` rendered from Markdown, safe to place in a page as it is."""
    return Markup(_MD.render(text or ""))  # markdown-it escaped everything that was typed


SUMMARY_CHARS = 240


def summary(text: str) -> Markup:
    """The first paragraph, shortened and rendered inline, for a list of campaigns."""
    first = next((part.strip() for part in text.split("\n\n") if part.strip()), "")
    if len(first) > SUMMARY_CHARS:
        first = first[:SUMMARY_CHARS].rsplit(" ", 1)[0] + " …"
    return Markup(_MD.renderInline(first))


# Registered on import: each page module whose templates render Markdown imports this one.
TEMPLATES.env.filters["markdown"] = to_html
