"""Markdown → sanitised HTML and an outline, done once when content is loaded.

Raw HTML in a lesson is shown as text, never interpreted; nh3 then keeps only a small
allow-list, so a lesson written in the browser is as safe as one reviewed in git.
A link ``lesson:ID`` becomes the relative URL ``ID``, which resolves next to the lesson
being read (lessons are served side by side).
"""
import re
from dataclasses import dataclass
from html import unescape

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.treeprocessors import Treeprocessor

ADMONITION_KINDS = frozenset({"example", "good", "bad", "tip", "warning", "note"})
#: An inline link ``[text](lesson:ID)``, with or without a title or angle brackets.
LESSON_LINK = re.compile(r"\]\(\s*<?lesson:([^)\s>]*)")
#: A reference definition ``[name]: lesson:ID`` (the target may start the next line).
LESSON_REFERENCE = re.compile(r"^ {0,3}\[[^\[\]]*\]:[ ]*(?:\n[ ]*)?<?lesson:([^\s>]*)", re.MULTILINE)

_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "strong", "em", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "div", "span",
}
_ATTRIBUTES = {"a": {"href", "title"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "div": {"class"}, "p": {"class"}}
_CLASSES = ADMONITION_KINDS | {"admonition", "admonition-title"}
_SAFE_ID = re.compile(r"^[\w-]{1,80}$")


@dataclass(frozen=True)
class Rendered:
    html: str
    #: ``(level, anchor, plain text)`` for every h2/h3, for the in-page outline.
    outline: tuple[tuple[int, str, str], ...]


class _LessonLinks(Treeprocessor):
    def run(self, root):
        for anchor in root.iter("a"):
            href = anchor.get("href", "")
            if href.startswith("lesson:"):
                anchor.set("href", href.removeprefix("lesson:"))


class _NoRawHtml(Extension):
    """Show raw HTML as text, and rewrite lesson links."""

    def extendMarkdown(self, md):
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_LessonLinks(md), "lesson_links", 1)


def render_markdown(text):
    """Render a lesson body; the result is safe to insert into a page as is."""
    md = markdown.Markdown(
        extensions=["admonition", "fenced_code", "tables", "sane_lists", "toc", _NoRawHtml()],
        extension_configs={"toc": {"slugify": slugify_unicode, "toc_depth": "2-3"}},
        output_format="html",
    )
    html = md.convert(text)
    outline = tuple(_flatten(md.toc_tokens))
    return Rendered(html=sanitise_html(html), outline=outline)


def sanitise_html(html):
    """Keep only the tags, attributes and URL schemes a lesson needs."""
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        attribute_filter=_filter_attribute,
        link_rel="noopener noreferrer",
    )


def _filter_attribute(tag, name, value):
    if name == "class":
        kept = [c for c in value.split() if c in _CLASSES]
        return " ".join(kept) or None
    if name == "id":
        return value if _SAFE_ID.match(value) else None
    return value


def _flatten(tokens):
    # toc's names are HTML-escaped; the outline holds plain text and templates escape it.
    for token in tokens:
        yield token["level"], token["id"], unescape(token["name"])
        yield from _flatten(token["children"])
