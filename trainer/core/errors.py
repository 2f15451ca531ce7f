"""Errors the core raises, each carrying what a person needs to fix the cause."""
from dataclasses import dataclass


@dataclass(frozen=True)
class ContentError:
    """One problem in a content file, printed as ``file:line: field: message``."""

    path: str
    line: int | None
    field: str
    message: str

    def __str__(self):
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.field or '-'}: {self.message}"


class ContentInvalid(Exception):
    """Raised with every problem found, so an author can fix them in one pass."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


class RosterInvalid(Exception):
    """A cohort file with bad rows; ``errors`` maps line number → list of ``roster.Problem``."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__(f"{len(errors)} invalid rows")
