"""Use cases. Core and models meet only here; functions flush, callers commit."""
from . import report_tables  # noqa: F401  keeps the reports' stored tables in step with every commit
