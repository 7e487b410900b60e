"""One writer for every spreadsheet we hand out (.xlsx and .csv), safe for user text.

A unit's report text that starts with `=` must not become a live formula in the
coordinator's Excel (OWASP "CSV injection"): in .xlsx every string is written as a
string cell, never a formula; in .csv a cell that starts with = + - @ (or a tab or a
carriage return) is prefixed with an apostrophe, as OWASP advises.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


def csv_safe(value: Any) -> Any:
    """The value as a CSV cell that no spreadsheet will evaluate."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass
class Sheet:
    """A table: its tab title, (header, width) per column, and the rows (any iterable, so a
    large export can stream them)."""

    title: str
    columns: Sequence[tuple[str, int | None]]
    rows: Iterable[Sequence[Any]] = field(default_factory=list)
    freeze_header: bool = True
    filters: bool = False


def xlsx_write(target: str | IO[bytes], sheets: Sequence[Sheet], *, title: str = "") -> None:
    """Write the sheets to a path or binary file, row by row (openpyxl's write-only mode:
    memory stays flat whatever the number of rows)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    centred = Alignment(horizontal="center", vertical="center")
    for sheet_spec in sheets:
        sheet = workbook.create_sheet(sheet_spec.title[:31])
        for index, (_header, width) in enumerate(sheet_spec.columns, start=1):
            if width:
                sheet.column_dimensions[get_column_letter(index)].width = width
        if sheet_spec.freeze_header:
            sheet.freeze_panes = "A2"
        header = []
        for name, _width in sheet_spec.columns:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font, cell.fill, cell.alignment = header_font, header_fill, centred
            header.append(cell)
        sheet.append(header)
        count = 0
        for row in sheet_spec.rows:
            sheet.append([_text_safe(sheet, value) for value in row])
            count += 1
        if sheet_spec.filters:
            last = get_column_letter(len(sheet_spec.columns))
            sheet.auto_filter.ref = f"A1:{last}{count + 1}"
    if title:
        workbook.properties.title = title
    workbook.save(target)


def _text_safe(sheet, value: Any):
    if not isinstance(value, str):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # a string, even when it starts with "=": never a formula
    return cell


def xlsx_bytes(sheets: Sequence[Sheet], *, title: str = "") -> bytes:
    buffer = io.BytesIO()
    xlsx_write(buffer, sheets, title=title)
    return buffer.getvalue()


def csv_write(target: IO[str], headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """CSV for Excel: the caller opens `target` as UTF-8 with a BOM ("utf-8-sig")."""
    writer = csv.writer(target)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([csv_safe(value) for value in row])


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    csv_write(buffer, headers, rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
