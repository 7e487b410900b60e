"""One writer for every spreadsheet we hand out (.xlsx and .csv), safe for user text.

A unit's report text that starts with `=` must not become a live formula in the
coordinator's Excel (OWASP "CSV injection"): in .xlsx every string is written as a
string cell, never a formula; in .csv a cell that starts with = + - @ (or a tab or a
carriage return) is prefixed with an apostrophe, as OWASP advises.

Both write row by row to a file as the rows come (any iterable, a generator for a large
export), so memory stays flat whatever the number of rows.
"""

from __future__ import annotations

import csv
import io
import math
import re
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
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


# --- .xlsx ---------------------------------------------------------------------------------
#
# openpyxl (write-only mode) writes the workbook: styles, the styled header row, widths, the
# frozen pane, filters, properties. Its per-cell path (several µs a cell) was most of a
# national ledger's time, so the data rows are written here as the same XML openpyxl writes
# for text and numbers (inline strings, never formulas), to a scratch file as they come, and
# spliced into the sheet's <sheetData> when the package is zipped.

SHEET_MAX_STRING = 32767  # Excel's limit; openpyxl cuts longer text to it, so do we
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037\ud800-\udfff\ufffe\uffff]")  # not in XML
_SPECIAL = re.compile(r"[&<>\r\000-\010\013\014\016-\037\ud800-\udfff\ufffe\uffff]")
_NUMBERS = (int, float, Decimal)
_ZIP_LEVEL = 1  # fast deflate: 150 MB of ledger XML in ~1 s (level 6: 4x as long, 20% smaller)


def _string_cell(ref: str, value: str) -> str:
    value = value[:SHEET_MAX_STRING]
    if not value:
        return f'<c r="{ref}" t="inlineStr"></c>'
    space = ' xml:space="preserve"' if value != value.strip() else ""
    if _SPECIAL.search(value):
        if _ILLEGAL.search(value):
            from openpyxl.utils.exceptions import IllegalCharacterError

            raise IllegalCharacterError(f"{value} cannot be used in worksheets.")
        value = (
            value.replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace("\r", "&#13;")
        )
    return f'<c r="{ref}" t="inlineStr"><is><t{space}>{value}</t></is></c>'


def _number_cell(ref: str, value: int | float | Decimal) -> str:
    number = float(value)  # as openpyxl writes it ("%.16g"), Decimal and int alike
    text = "" if math.isnan(number) or math.isinf(number) else f"{number:.16g}"
    return f'<c r="{ref}" t="n"><v>{text}</v></c>'


def _cell(ref: str, value: Any) -> str:
    if isinstance(value, str):
        return _string_cell(ref, str(value))
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{value:d}</v></c>'
    if isinstance(value, _NUMBERS):
        return _number_cell(ref, value)
    raise ValueError(f"Cannot write {value!r} to a spreadsheet cell: give text or a number.")


def _write_rows(out: IO[str], rows: Iterable[Sequence[Any]], first: int) -> int:
    """Each row as <row> XML, numbered from `first`; returns how many."""
    from openpyxl.utils import get_column_letter

    letters: list[str] = []
    count = 0
    for count, row in enumerate(rows, start=1):
        number = str(first + count - 1)
        while len(letters) < len(row):
            letters.append(get_column_letter(len(letters) + 1))
        cells = [f'<row r="{number}">']
        for letter, value in zip(letters, row, strict=False):
            kind = value.__class__
            if kind is str:  # the common cases inline: a cell costs ~1 µs, a million rows
                if not value:
                    cells.append(f'<c r="{letter}{number}" t="inlineStr"></c>')
                elif (  # plain text: nothing to escape, no space to preserve, not too long
                    value.isprintable()  # no control character, no lone surrogate
                    and value[0] != " "
                    and value[-1] != " "
                    and "&" not in value
                    and "<" not in value
                    and ">" not in value
                    and len(value) <= SHEET_MAX_STRING
                ):
                    cells.append(
                        f'<c r="{letter}{number}" t="inlineStr"><is><t>{value}</t></is></c>'
                    )
                else:
                    cells.append(_string_cell(letter + number, value))
            elif value is None:
                continue
            elif kind is int:
                cells.append(f'<c r="{letter}{number}" t="n"><v>{value:.16g}</v></c>')
            else:
                cells.append(_cell(letter + number, value))
        cells.append("</row>")
        out.write("".join(cells))
    return count


def _write_workbook(
    target: IO[bytes], sheets: Sequence[Sheet], counts: Sequence[int], title: str
) -> list[str]:
    """openpyxl's workbook with each sheet's header row only; the sheets' part names."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    centred = Alignment(horizontal="center", vertical="center")
    written = []
    for sheet_spec, count in zip(sheets, counts, strict=True):
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
        if sheet_spec.filters:
            last = get_column_letter(len(sheet_spec.columns))
            sheet.auto_filter.ref = f"A1:{last}{count + 1}"
        written.append(sheet)
    if title:
        workbook.properties.title = title
    workbook.save(target)
    return [sheet.path.lstrip("/") for sheet in written]


def _zip_with_rows(target: str | IO[bytes], workbook: IO[bytes], rows: dict[str, Path]) -> None:
    """The workbook's parts zipped into `target`, each sheet's rows (a scratch file, copied in
    chunks) inserted before its </sheetData>."""
    with (
        zipfile.ZipFile(workbook) as source,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=_ZIP_LEVEL) as package,
    ):
        for name in source.namelist():
            data = source.read(name)
            if name not in rows:
                package.writestr(name, data)
                continue
            head, tail = data.split(b"</sheetData>")
            size = len(head) + rows[name].stat().st_size + len(tail) + len(b"</sheetData>")
            with (
                package.open(name, "w", force_zip64=size > zipfile.ZIP64_LIMIT) as part,
                rows[name].open("rb") as body,
            ):
                part.write(head)
                while chunk := body.read(1 << 20):
                    part.write(chunk)
                part.write(b"</sheetData>" + tail)


def xlsx_write(target: str | IO[bytes], sheets: Sequence[Sheet], *, title: str = "") -> None:
    """Write the sheets to a path or binary file, row by row: each sheet's rows go to a
    scratch file as they come, so memory stays flat whatever the number of rows."""
    with tempfile.TemporaryDirectory(prefix="xlsx-") as scratch:
        bodies, counts = [], []
        for index, sheet_spec in enumerate(sheets):
            body = Path(scratch) / f"rows-{index}.xml"
            with body.open("w", encoding="utf-8") as out:
                counts.append(_write_rows(out, sheet_spec.rows, first=2))
            bodies.append(body)
        workbook = io.BytesIO()  # styles, header rows, properties: a few kB
        parts = _write_workbook(workbook, sheets, counts, title)
        _zip_with_rows(target, workbook, dict(zip(parts, bodies, strict=True)))


def xlsx_bytes(sheets: Sequence[Sheet], *, title: str = "") -> bytes:
    buffer = io.BytesIO()
    xlsx_write(buffer, sheets, title=title)
    return buffer.getvalue()


# --- .csv ----------------------------------------------------------------------------------


def csv_write(target: IO[str], headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """CSV for Excel: the caller opens `target` as UTF-8 with a BOM ("utf-8-sig")."""
    writer = csv.writer(target)
    writer.writerow(headers)
    for row in rows:  # csv_safe, inline: it runs for every cell of a national ledger
        writer.writerow(
            [
                "'" + value
                if isinstance(value, str) and value.startswith(FORMULA_STARTS)
                else value
                for value in row
            ]
        )


def csv_write_binary(
    target: IO[bytes], headers: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """CSV for Excel into a binary file (UTF-8 with a BOM), written as the rows come."""
    text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="")
    try:
        csv_write(text, headers, rows)
    finally:
        text.detach()  # flushes; the caller's file stays open


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.BytesIO()
    csv_write_binary(buffer, headers, rows)
    return buffer.getvalue()
