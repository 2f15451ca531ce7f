"""CSV for spreadsheets: UTF-8 with a BOM (Excel then reads Chinese right) and no cell Excel would run.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which Excel
skips before looking) is a formula to Excel: ``=HYPERLINK(…)`` in a trainee's name would run in
the manager's spreadsheet. Such cells get a leading single quote, OWASP's advice, so Excel shows
the text as typed. Numbers are written as numbers, so a negative number stays a number.
"""
import csv
import io
from datetime import date, datetime

BOM = "\ufeff"
#: What makes Excel (and LibreOffice, Google Sheets) read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """The cell's text, made inert: ``=1+1`` → ``'=1+1``; numbers and dates as they are."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_chunks(header, rows, batch=500):
    """The CSV document as text chunks: the BOM and the header first, then ``batch`` rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([neutralise(cell) for cell in header])
    for n, row in enumerate(rows, start=1):
        writer.writerow([neutralise(cell) for cell in row])
        if n % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
