"""Refuse request text that cannot be stored or read back, before any view sees it.

PostgreSQL refuses NUL in text (SQLite stores it), so a ``%00`` in a form field, a search or a
URL would otherwise end as a 500 on one database and a stored invisible character on the other.
Werkzeug keeps bytes that are not UTF-8 as the literal text ``%FF`` (or U+FFFD in multipart
fields), so a mangled value would be saved silently. A browser sends neither from what a person
types or pastes as text, so every route gets one answer: 400 with a page saying why, nothing stored.
"""
from itertools import chain
from urllib.parse import unquote_to_bytes

from flask import Request, abort, request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from ..core.characters import UNSTORABLE
_URLENCODED = "application/x-www-form-urlencoded"
#: The largest value of an INTEGER column (PostgreSQL refuses to compare one with more: a 500).
MAX_ID = 2**31 - 1
#: Far past any list's last page; a larger OFFSET overflows PostgreSQL's bigint.
MAX_PAGE = 100_000


class UnreadableInput(BadRequest):
    """400 for text that cannot be stored: ``problem`` is ``"encoding"`` or ``"control"``."""

    def __init__(self, problem):
        super().__init__()
        self.problem = problem


class CheckedRequest(Request):
    """Keeps the bytes of a URL-encoded body, so they can be checked as UTF-8 after parsing, and gives
    form text its line breaks as typed.

    Browsers send every line break of a textarea as CR LF but count it as one character against the
    field's ``maxlength``: read as sent, a reply that fits the box would be refused as too long."""

    def _load_form_data(self):
        if self.mimetype == _URLENCODED:
            self.get_data(cache=True, parse_form_data=False)
        super()._load_form_data()
        if any("\r" in value for _, value in self.form.items(multi=True)):
            self.form = self.parameter_storage_class(
                (name, value.replace("\r\n", "\n")) for name, value in self.form.items(multi=True))


class DatabaseInteger(IntegerConverter):
    """``<int:…>`` matching only what an INTEGER id column holds, so a larger number is 404, not 500."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(url_map, fixed_digits, min, max, signed)


def init_app(app):
    """Before the blueprints: their ``<int:…>`` rules take the converter when they are added."""
    app.request_class = CheckedRequest
    app.url_map.converters["int"] = DatabaseInteger
    app.before_request(refuse_unreadable_input)


def page_number():
    """``?page=`` as a list page number: 1 when missing or not a number, at most ``MAX_PAGE``."""
    page = request.args.get("page", 1, type=int)
    return min(max(page, 1), MAX_PAGE)


def refuse_unreadable_input():
    """Abort with 404 for a path, 400 for a query or form, holding what cannot be stored."""
    if UNSTORABLE.search(request.path):
        abort(404)
    raw = [request.query_string]
    if request.mimetype == _URLENCODED:
        request.form  # noqa: B018  parses the body, keeping its bytes
        raw.append(request.get_data(cache=True, parse_form_data=False))
    if not all(_is_utf8(data) for data in raw):
        raise UnreadableInput("encoding")
    pairs = chain(request.args.items(multi=True), request.form.items(multi=True))
    if any(UNSTORABLE.search(key) or UNSTORABLE.search(value) for key, value in pairs):
        raise UnreadableInput("control")


def _is_utf8(urlencoded):
    """Whether the percent-decoded bytes of a query or form body are UTF-8 (no lone surrogates)."""
    try:
        unquote_to_bytes(urlencoded.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
