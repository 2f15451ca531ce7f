"""Characters no text of ours may hold: C0 control characters other than tab, line feed and
carriage return, and lone surrogates.

PostgreSQL refuses NUL in text and cannot encode a lone surrogate (SQLite stores both); the
others are invisible on the page and break the CSV and log lines they end up in. One
definition for forms and query strings, content files and cohort files.
"""
import re

UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def first_unstorable(text):
    """The index of the first character that cannot be stored, or None."""
    found = UNSTORABLE.search(text)
    return found.start() if found else None


def describe(char):
    """``'\\x00'`` → ``'control character U+0000'``, ``'\\ud800'`` → ``'lone surrogate U+D800'``."""
    kind = "lone surrogate" if 0xD800 <= ord(char) <= 0xDFFF else "control character"
    return f"{kind} U+{ord(char):04X}"
