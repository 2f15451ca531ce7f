"""Cohort files (入职批次名单): CSV bytes → validated rows, or every row's problems.

Excel in China saves CSV as GBK; others save UTF-8 with or without a BOM. Headers may be
English or Chinese. Nothing is imported unless every row is valid, so errors are per row.
"""
import csv
import io
import re
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from .characters import first_unstorable
from .errors import RosterInvalid

MAX_ROWS = 2000
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
HEADERS = {
    "name": "name", "姓名": "name",
    "username": "username", "用户名": "username", "账号": "username",
    "cohort": "cohort", "批次": "cohort", "入职批次": "cohort",
    "email": "email", "邮箱": "email", "电子邮箱": "email",
}
REQUIRED = ("name", "username", "cohort")


#: English wording of each problem; the web layer shows them translated.
PROBLEMS = {
    "not_text": "the file is neither UTF-8 nor GBK text; save it as CSV (UTF-8)",
    "utf16": "the file is UTF-16 (Excel's 'Unicode text'); save it as CSV (UTF-8)",
    "shift_jis": "the file looks like Japanese Shift-JIS; save it as CSV (UTF-8)",
    "empty_file": "the file is empty",
    "missing_columns": "missing column(s): {columns} (header: name,username,cohort,email)",
    "too_many_rows": "more than {limit} rows; split the file",
    "no_people": "the file has a header but no people",
    "name_invalid": "name: required, at most 100 characters",
    "username_invalid": "username: '{username}' must be 2–64 letters, digits, '.', '_' or '-'",
    "username_repeated": "username: '{username}' appears twice (also line {line})",
    "username_taken": "username: '{username}' already has an account",
    "cohort_invalid": "cohort: required, at most 100 characters",
    "email_invalid": "email: '{email}' is not a valid address",
}


@dataclass(frozen=True)
class Problem:
    code: str
    params: dict

    def __str__(self):
        return PROBLEMS[self.code].format(**self.params)


def problem(code, **params):
    return Problem(code, params)


@dataclass(frozen=True)
class RosterRow:
    line: int
    name: str
    username: str
    cohort: str
    email: str | None


def decode_roster(data):
    """UTF-8 (with or without BOM) first, then GB18030, the superset of GBK.

    GB18030 reads nearly any bytes, so what it cannot tell apart is refused here: UTF-16 (NUL
    bytes between the letters), binary files (control characters) and Shift-JIS (kana)."""
    if _is_utf16(data):
        raise RosterInvalid({0: [problem("utf16")]})
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if first_unstorable(text) is not None:
            break
        if encoding == "gb18030" and _is_japanese(data):
            raise RosterInvalid({0: [problem("shift_jis")]})
        return text
    raise RosterInvalid({0: [problem("not_text")]})


def _is_utf16(data):
    """A byte-order mark, or ASCII letters with a NUL byte beside each, that read as clean UTF-16."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        encoding = "utf-16"
    else:
        sample = data[:400]
        encoding = "utf-16-le" if sample[1::2].count(0) > len(sample) // 4 else (
            "utf-16-be" if sample[0::2].count(0) > len(sample) // 4 else None)
    if encoding is None or len(data) % 2:
        return False
    try:
        return first_unstorable(data.decode(encoding)) is None
    except UnicodeDecodeError:
        return False


_KANA = re.compile(r"[\u3041-\u3096\u30a1-\u30fa]")


def _is_japanese(data):
    """Bytes that are also Shift-JIS text with kana (GBK Chinese read as Shift-JIS gives none)."""
    try:
        return _KANA.search(data.decode("shift_jis")) is not None
    except UnicodeDecodeError:
        return False


def parse_roster(data):
    """Return the valid rows, or raise ``RosterInvalid`` naming every bad row."""
    rows, errors = check_roster(data)
    if errors:
        raise RosterInvalid(errors)
    return rows


def check_roster(data):
    """``(valid rows, {line: [problems]})``; a file-level problem raises ``RosterInvalid``."""
    reader = csv.reader(io.StringIO(decode_roster(data), newline=""))
    header = next(reader, None)
    columns = _columns(header)
    rows, errors, seen = [], {}, {}
    for line, record in _records(reader):
        if not any(cell.strip() for cell in record):
            continue
        if len(rows) + len(errors) >= MAX_ROWS:
            raise RosterInvalid({line: [problem("too_many_rows", limit=MAX_ROWS)]})
        row, problems = _row(line, record, columns, seen)
        if problems:
            errors[line] = problems
        else:
            rows.append(row)
            seen[row.username] = line
    if not rows and not errors:
        raise RosterInvalid({1: [problem("no_people")]})
    return rows, errors


def _records(reader):
    """Yield ``(physical line where the record starts, record)``; a quoted cell may span lines."""
    while True:
        line = reader.line_num + 1
        record = next(reader, None)
        if record is None:
            return
        yield line, record


def _columns(header):
    if not header:
        raise RosterInvalid({1: [problem("empty_file")]})
    columns = {}
    for index, title in enumerate(header):
        key = HEADERS.get(title.strip().lower())
        if key:
            columns[key] = index
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise RosterInvalid({1: [problem("missing_columns", columns=", ".join(missing))]})
    return columns


def _row(line, record, columns, seen):
    def cell(key):
        index = columns.get(key)
        return record[index].strip() if index is not None and index < len(record) else ""

    name, username, cohort, email = cell("name"), cell("username").lower(), cell("cohort"), cell("email")
    problems = []
    if not name or len(name) > 100:
        problems.append(problem("name_invalid"))
    if not USERNAME.match(username):
        problems.append(problem("username_invalid", username=username))
    elif username in seen:
        problems.append(problem("username_repeated", username=username, line=seen[username]))
    if not cohort or len(cohort) > 100:
        problems.append(problem("cohort_invalid"))
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            problems.append(problem("email_invalid", email=email))
    return RosterRow(line, name, username, cohort, email or None), problems
