"""Raw HTML in retro bodies: the allowlist, the sanitiser (nh3) and the check-time warnings.

Retro bodies are pasted from email and chat, and anyone who can open a pull request can write one, so the
HTML that Markdown passes through is cleaned with Ammonia (via nh3) before it reaches a page. The
allowlist covers what Markdown, its extensions and Material's built-ins produce, plus harmless formatting
(tables, <details>, <kbd>, ...). Scripts, styles, frames, event handlers and javascript:/data: URLs go.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details", "div",
    "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "input",
    "ins", "kbd", "label", "li", "mark", "ol", "p", "path", "pre", "q", "s", "samp", "small", "span",
    "strong", "sub", "summary", "sup", "svg", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
    "var",
    # inline SVG charts written by playbookgen (charts.py)
    "rect", "text", "title", "desc", "g",
}  # fmt: skip
_COMMON = {"id", "class", "title", "lang", "dir", "data-search-exclude"}
ALLOWED_ATTRIBUTES = {
    "*": _COMMON,
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height", "loading"},
    "input": {"type", "checked", "disabled"},
    "label": {"for"},
    "td": {"style", "colspan", "rowspan", "align"},
    "th": {"style", "colspan", "rowspan", "align", "scope"},
    "ol": {"start", "type"},
    "details": {"open"},
    "svg": {"viewBox", "xmlns", "width", "height", "aria-hidden", "fill", "role", "aria-labelledby"},
    "rect": {"x", "y", "width", "height", "rx"},
    "text": {"x", "y", "text-anchor"},
    "path": {"d", "fill", "fill-rule", "clip-rule"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        filter_style_properties={"text-align"},
        set_tag_attribute_values={"input": {"type": "checkbox", "disabled": "disabled"}},
    )


@dataclass(frozen=True)
class RawHtml:
    line: int
    snippet: str
    reason: str


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
_TAG = re.compile(r"<(/?)([A-Za-z][\w-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_EVENT = re.compile(r"\bon[a-z]+\s*=", re.IGNORECASE)
_BAD_URL = re.compile(
    r"(?:href|src|action|formaction|xlink:href)\s*=\s*[\"']?\s*(?:javascript|data|vbscript):", re.IGNORECASE
)


def raw_html_problems(body: str, first_line: int = 1) -> list[RawHtml]:
    """HTML in a Markdown body (outside code) that the sanitiser will remove."""
    if "<" not in body:
        return []
    problems: list[RawHtml] = []
    fence: str | None = None
    for offset, line in enumerate(body.split("\n")):
        match = _FENCE.match(line)
        if fence is not None:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
            continue
        if match:
            fence = match.group(1)
            continue
        for tag in _TAG.finditer(_CODE_SPAN.sub("", line)):
            reason = _reason(tag)
            if reason:
                problems.append(RawHtml(first_line + offset, tag.group(0)[:60], reason))
    return problems


def _reason(tag: re.Match[str]) -> str | None:
    name, attributes = tag.group(2).lower(), tag.group(3)
    if name not in ALLOWED_TAGS:
        return f"<{name}> is not allowed" if not tag.group(1) else None
    if _EVENT.search(attributes):
        return "event-handler attributes (on...=) are removed"
    if _BAD_URL.search(attributes):
        return "javascript:, data: and vbscript: URLs are removed"
    if re.search(r"\bstyle\s*=", attributes, re.IGNORECASE) and name not in {"td", "th"}:
        return "style attributes are removed"
    return None
