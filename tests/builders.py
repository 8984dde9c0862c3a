"""Export files built in code for the ingest tests: CSV and XLSX bytes from rows."""
from __future__ import annotations

import io

import xlsxwriter


def csv_bytes(rows: list[list[str]], sep: str = ",", end: str = "\n") -> bytes:
    return (end.join(sep.join(r) for r in rows) + end).encode("utf-8")


def xlsx_bytes(sheets: dict[str, list[list[object]]], numbers: bool = False) -> bytes:
    """A workbook, one sheet per entry; every cell a string, or floats as number cells with `numbers`."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if numbers and isinstance(v, float):
                    ws.write_number(i, j, v)
                else:
                    ws.write_string(i, j, str(v))
    wb.close()
    return buf.getvalue()
