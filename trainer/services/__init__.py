"""Use cases. Core and models meet only here; functions flush, callers commit."""
