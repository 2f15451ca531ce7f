"""CSV for Excel: a BOM first, and no cell that Excel would run as a formula."""
from datetime import date, datetime

import pytest

from trainer.core.spreadsheet import csv_chunks, neutralise


@pytest.mark.parametrize("value, cell", [
    ("=HYPERLINK(\"http://x\",\"点我\")", "'=HYPERLINK(\"http://x\",\"点我\")"),
    ("+86 138", "'+86 138"),
    ("-1+2", "'-1+2"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("张敏", "张敏"),
    ("a=b", "a=b"),
    ("", ""),
    (None, ""),
    (-3, "-3"),  # numbers stay numbers
    (87.5, "87.5"),
    (True, "1"),
    (date(2026, 6, 10), "2026-06-10"),
    (datetime(2026, 6, 10, 9, 5), "2026-06-10 09:05"),
])
def test_neutralise(value, cell):
    assert neutralise(value) == cell


def test_csv_starts_with_a_bom_and_quotes_what_needs_quoting():
    text = "".join(csv_chunks(["name", "note"], [["安妮", "说：\"好的\"，谢谢"], ["=1+1", "两行\n文字"]], batch=1))
    assert text.startswith("\ufeffname,note\r\n")
    assert "安妮,\"说：\"\"好的\"\"，谢谢\"\r\n" in text
    assert text.endswith("'=1+1,\"两行\n文字\"\r\n")
