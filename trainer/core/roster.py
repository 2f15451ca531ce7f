"""Cohort files (入职批次名单): CSV bytes → validated rows, or every row's problems.

Excel in China saves CSV as GBK; others save UTF-8 with or without a BOM. Headers may be
English or Chinese. Nothing is imported unless every row is valid, so errors are per row.
"""
import csv
import io
import re
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

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


@dataclass(frozen=True)
class RosterRow:
    line: int
    name: str
    username: str
    cohort: str
    email: str | None


def decode_roster(data):
    """UTF-8 (with or without BOM) first, then GB18030, the superset of GBK."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterInvalid({0: ["the file is neither UTF-8 nor GBK text; save it as CSV (UTF-8)"]})


def parse_roster(data):
    """Return the valid rows, or raise ``RosterInvalid`` naming every bad row."""
    reader = csv.reader(io.StringIO(decode_roster(data), newline=""))
    header = next(reader, None)
    columns = _columns(header)
    rows, errors, seen = [], {}, {}
    for line, record in enumerate(reader, start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(rows) + len(errors) >= MAX_ROWS:
            raise RosterInvalid({line: [f"more than {MAX_ROWS} rows; split the file"]})
        row, problems = _row(line, record, columns, seen)
        if problems:
            errors[line] = problems
        else:
            rows.append(row)
            seen[row.username] = line
    if errors:
        raise RosterInvalid(errors)
    if not rows:
        raise RosterInvalid({1: ["the file has a header but no people"]})
    return rows


def _columns(header):
    if not header:
        raise RosterInvalid({1: ["the file is empty"]})
    columns = {}
    for index, title in enumerate(header):
        key = HEADERS.get(title.strip().lower())
        if key:
            columns[key] = index
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise RosterInvalid({1: [f"missing column(s): {', '.join(missing)} (header: name,username,cohort,email)"]})
    return columns


def _row(line, record, columns, seen):
    def cell(key):
        index = columns.get(key)
        return record[index].strip() if index is not None and index < len(record) else ""

    name, username, cohort, email = cell("name"), cell("username").lower(), cell("cohort"), cell("email")
    problems = []
    if not name or len(name) > 100:
        problems.append("name: required, at most 100 characters")
    if not USERNAME.match(username):
        problems.append(f"username: '{username}' must be 2–64 letters, digits, '.', '_' or '-'")
    elif username in seen:
        problems.append(f"username: '{username}' appears twice (also line {seen[username]})")
    if not cohort or len(cohort) > 100:
        problems.append("cohort: required, at most 100 characters")
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            problems.append(f"email: {exc}")
    return RosterRow(line, name, username, cohort, email or None), problems
