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

from ..core.characters import UNSTORABLE
_URLENCODED = "application/x-www-form-urlencoded"


class UnreadableInput(BadRequest):
    """400 for text that cannot be stored: ``problem`` is ``"encoding"`` or ``"control"``."""

    def __init__(self, problem):
        super().__init__()
        self.problem = problem


class CheckedRequest(Request):
    """Keeps the bytes of a URL-encoded body, so they can be checked as UTF-8 after parsing."""

    def _load_form_data(self):
        if self.mimetype == _URLENCODED:
            self.get_data(cache=True, parse_form_data=False)
        super()._load_form_data()


def init_app(app):
    app.request_class = CheckedRequest
    app.before_request(refuse_unreadable_input)


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
