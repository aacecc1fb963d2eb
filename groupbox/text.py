"""The small, sanitised Markdown every text field accepts (SPEC §7): no raw HTML, safe links."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from markupsafe import Markup

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

ALLOWED_TAGS = {"p", "br", "strong", "em", "del", "code", "pre", "ul", "ol", "li", "blockquote", "a", "h3", "h4"}


@cache
def _parser() -> MarkdownIt:
    # Loaded on the first text rendered, not at start: markdown-it is ~60 modules a worker that
    # serves no page with text never needs.
    from markdown_it import MarkdownIt

    # "js-default" disables raw HTML; linkify off keeps behaviour predictable.
    md = MarkdownIt("js-default", {"breaks": True, "html": False})
    md.enable("strikethrough")
    md.disable("image")
    return md


def render_markdown(text: str | None) -> Markup:
    if not text:
        return Markup("")
    import nh3

    html = _parser().render(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow ugc",
    )
    return Markup(clean)


def plain_excerpt(text: str | None, length: int = 140) -> str:
    """A one-line preview of Markdown text (markup characters dropped)."""
    flat = " ".join((text or "").replace("*", "").replace("_", " ").replace("`", "").replace("#", "").split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"
