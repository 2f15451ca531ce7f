"""The public stored-XSS payload corpus, packed into field-sized pieces, and the checks a page must pass.

The corpus lives outside the repository (../shared/data/xss/, see its README); tests that need it skip
with the reason when it is absent. A field can hold only so many characters, so payloads are packed
into *pieces* that fit it: every piece starts with a marker (``xss0000042``) by which the sweep finds it
on the page (proving the field really is shown there), followed by as many whole payloads as fit,
one a line. A payload longer than the field is cut to the field's length (what a real form would let
through is its beginning).
"""
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

CORPUS_DIR = Path(__file__).parents[2].parent / "shared" / "data" / "xss"
#: Every piece starts with its own marker, "xss" and a number of this many digits. A whole run on both databases
#: hands out over 100,000 pieces: at five digits the markers overflowed and pages seemed to lack pieces they showed.
MARKER_DIGITS = 7
MARKER = re.compile(rf"xss\d{{{MARKER_DIGITS}}}")


@cache
def payloads():
    """Every unique non-empty line of the corpus files, in a fixed order (one line = one payload).

    Lines are split on newlines only: some payloads contain form feeds or other separators on purpose.
    """
    if not CORPUS_DIR.is_dir() or not list(CORPUS_DIR.glob("*.txt")):
        return ()
    seen = {}
    for path in sorted(CORPUS_DIR.glob("*.txt")):
        for line in path.read_bytes().decode("utf-8", errors="replace").split("\n"):
            line = line.removesuffix("\r")
            if line.strip():
                seen.setdefault(line, None)
    return tuple(seen)


@cache
def markup_first():
    """The payloads with markup (``<``) or a scheme (``:``) first: a field that only some records hold then
    gets the payloads that matter most (the corpus opens with a hundred bare event-handler names)."""
    found = require_corpus()
    return tuple(sorted(found, key=lambda p: not ("<" in p or ":" in p)))


def require_corpus():
    """The payloads, or skip the test with the reason."""
    found = payloads()
    if not found:
        pytest.skip(f"XSS payload corpus not found in {CORPUS_DIR} (see the shared data README)")
    return found


@dataclass
class Stream:
    """Pieces of at most ``limit`` characters for one field, going round the corpus.

    ``wrapped`` turns true once every payload has been handed out at least once; a field's records are
    made until its stream has wrapped. ``clean`` drops what the field cannot hold at all (e.g. control
    characters a YAML file or a form refuses), so the piece is what a real author could store.
    """

    name: str
    limit: int
    separator: str = "\n"
    clean: object = None
    corpus: tuple = ()
    at: int = 0
    wrapped: bool = False
    pieces: list = field(default_factory=list)

    def __post_init__(self):
        self.corpus = self.corpus or markup_first()

    def next(self):
        number = next(_numbers)
        assert number < 10 ** MARKER_DIGITS, "more pieces than markers: raise MARKER_DIGITS"
        marker = f"xss{number:0{MARKER_DIGITS}d}"
        text, room = marker, self.limit - len(marker) - len(self.separator)
        while room > 0:
            payload = self.corpus[self.at]
            if self.clean:
                payload = self.clean(payload)
            if len(payload) > room and text != marker:
                break
            text += self.separator + payload[:room]
            room -= len(payload[:room]) + len(self.separator)
            self.at += 1
            if self.at == len(self.corpus):
                self.at, self.wrapped = 0, True
                break
        self.pieces.append((marker, text))
        return text


def _counter():
    n = 0
    while True:
        n += 1
        yield n


_numbers = _counter()


# --- what a page must not contain ---------------------------------------------------------------

#: Attributes whose value the browser treats as a URL it may load or navigate to.
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "codebase",
                  "cite", "longdesc", "lowsrc", "dynsrc", "manifest", "ping", "icon", "srcset", "archive", "profile",
                  "classid", "usemap", "xml:base", "to", "from", "values", "by"}
#: Schemes that run script when a link, frame or form uses them.
SCRIPT_SCHEMES = {"javascript", "vbscript", "livescript", "mocha"}
#: ``data:`` is harmless only as a picture.
DATA_PICTURE = re.compile(r"data:\s*image/(?:png|gif|jpe?g|webp|avif)[;,]", re.IGNORECASE)
#: Elements a payload may never bring: they run code, load documents or change where links point.
FORBIDDEN_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal", "isindex",
                  "template", "handler", "listener", "import", "xml", "xss", "animate", "set", "animatemotion",
                  "animatetransform", "foreignobject", "use", "image", "style", "bgsound", "layer", "ilayer"}
#: The app's own head: a stylesheet and an icon from /static/.
OWN_LINK = re.compile(r"^/static/")
SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")


def url_is_dangerous(value):
    """Whether a browser would run script from this URL, read as the URL parser does: leading and trailing
    controls and spaces dropped, tabs and newlines removed anywhere, then a scheme before the first colon
    (``javascript\\x3A…`` or ``java\x01script:`` have none: they are relative URLs)."""
    value = re.sub(r"[\t\n\r]", "", re.sub(r"^[\x00-\x20]+|[\x00-\x20]+$", "", value or ""))
    scheme = SCHEME.match(value)
    if not scheme:
        return False
    name = scheme.group(1).lower()
    return name in SCRIPT_SCHEMES or (name == "data" and not DATA_PICTURE.match(value))


def problems_in(html):
    """Every script, handler, dangerous URL or forbidden element in ``html``, parsed as a browser would."""
    from selectolax.lexbor import LexborHTMLParser

    found = []
    for node in LexborHTMLParser(html).css("*"):
        tag, attributes = node.tag.lower(), node.attributes
        where = f"<{tag} {' '.join(f'{k}={v!r}' for k, v in attributes.items())[:160]}>"
        if tag == "script" and not (OWN_LINK.match(attributes.get("src") or "") and not node.text().strip()):
            found.append(f"script element {where} {node.text()[:80]!r}")
        elif tag == "link" and not OWN_LINK.match(attributes.get("href") or ""):
            found.append(f"foreign link {where}")
        elif tag == "meta" and "http-equiv" in attributes:
            found.append(f"meta http-equiv {where}")
        elif tag in FORBIDDEN_TAGS:
            found.append(f"forbidden element {where}")
        for name, value in attributes.items():
            name = name.lower()
            if name.startswith("on"):
                found.append(f"event handler {name} on {where}")
            elif name == "srcdoc" or (name in URL_ATTRIBUTES and url_is_dangerous(value)):
                found.append(f"dangerous {name} on {where}")
            elif name == "style" and re.search(r"expression\s*\(|javascript:|behavior\s*:|-moz-binding", value or "", re.I):
                found.append(f"scripted style on {where}")
            elif name in {"formaction", "action"} and value and not value.startswith(("/", "?", "#")):
                found.append(f"form sent elsewhere {where}")
    return found


def marker_of(piece):
    return MARKER.match(piece).group()


def markers_in(html):
    """The markers of the pieces shown on a page (in its text, attribute values and form fields)."""
    return set(MARKER.findall(html))


#: Run in the page: what the live DOM holds that a payload could have added (the same rules as above).
DOM_SCAN = r"""() => {
  const found = [];
  const scripted = new Set(%s);
  const dangerous = (raw) => {
    const value = raw.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, "").replace(/[\t\n\r]/g, "");
    const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(value);
    if (!scheme) return false;
    const name = scheme[1].toLowerCase();
    return scripted.has(name) || (name === "data" && !/^data:\s*image\/(?:png|gif|jpe?g|webp|avif)[;,]/i.test(value));
  };
  const urlAttrs = new Set(%s);
  const forbidden = new Set(%s);
  for (const el of document.querySelectorAll("*")) {
    const tag = el.localName.toLowerCase();
    const where = el.outerHTML.slice(0, 160);
    if (tag === "script" && !((el.getAttribute("src") || "").startsWith("/static/") && !el.textContent.trim()))
      found.push("script element " + where);
    if (tag === "link" && !(el.getAttribute("href") || "").startsWith("/static/")) found.push("foreign link " + where);
    if (forbidden.has(tag)) found.push("forbidden element " + where);
    if (tag === "meta" && el.hasAttribute("http-equiv")) found.push("meta http-equiv " + where);
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith("on")) found.push("event handler " + name + " on " + where);
      else if (name === "srcdoc" || (urlAttrs.has(name) && dangerous(attr.value))) found.push("dangerous " + name + " on " + where);
    }
  }
  return found;
}""" % (sorted(SCRIPT_SCHEMES), sorted(URL_ATTRIBUTES), sorted(FORBIDDEN_TAGS))
