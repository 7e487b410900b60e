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
import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
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
# The package is written here, part by part, into a zip as the rows come: each sheet's XML is
# deflated straight into the zip (no scratch file, no openpyxl on the way), the small parts
# that depend on the row count (the filter's range) after the sheets. The XML is what
# openpyxl's write-only mode writes for the same cells (tests/test_xlsx_writer.py reads both
# back and compares them): strings as inline strings (never formulas), numbers as numbers,
# dates as dated numbers; the bold, filled, centred header row, widths, the frozen pane, the
# filter. Characters XML cannot carry (control characters other than tab and line breaks) are
# dropped rather than failing a whole export; text is cut at Excel's 32,767 characters.

SHEET_MAX_STRING = 32767
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037\ud800-\udfff\ufffe\uffff]")  # not in XML
_SPECIAL = re.compile(r"[&<>\r\000-\010\013\014\016-\037\ud800-\udfff\ufffe\uffff]")
_NUMBERS = (int, float, Decimal)
_ZIP_LEVEL = 1  # fast deflate: 150 MB of ledger XML in ~1 s (level 6: 4x as long, 20% smaller)
_FLUSH_ROWS = 500  # rows joined, encoded and deflated at a time
_EPOCH = dt.datetime(1899, 12, 30)  # Excel's day 0 (Windows), as openpyxl counts
_DATE_STYLE, _DATETIME_STYLE = 2, 3  # cellXfs below: 0 plain, 1 header, 2 date, 3 date-time

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_OFFICE = "application/vnd.openxmlformats-officedocument"
_STYLES = (
    f'{_DECLARATION}<styleSheet xmlns="{_MAIN}"><numFmts count="2">'
    '<numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd h:mm:ss"/></numFmts>'
    '<fonts count="2"><font><name val="Calibri"/><family val="2"/><sz val="11"/></font>'
    '<font><b val="1"/></font></fonts><fills count="3"><fill><patternFill/></fill>'
    '<fill><patternFill patternType="gray125"/></fill><fill><patternFill patternType="solid">'
    '<fgColor rgb="00DDEBF7"/></patternFill></fill></fills><borders count="1"><border><left/>'
    "<right/><top/><bottom/><diagonal/></border></borders>"
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    '</cellStyleXfs><cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" '
    'xfId="0"/><xf numFmtId="0" fontId="1" fillId="2" borderId="0" applyAlignment="1" '
    'xfId="0"><alignment horizontal="center" vertical="center"/></xf>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" applyNumberFormat="1" xfId="0"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" applyNumberFormat="1" xfId="0"/>'
    '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
    "</cellStyles></styleSheet>"
)
_ROOT_RELS = (
    f'{_DECLARATION}<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    f'<Relationship Id="rId2" Type="{_PKG_REL}/metadata/core-properties" '
    'Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)
_APP = (
    f'{_DECLARATION}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    'extended-properties"><Application>Microsoft Excel</Application></Properties>'
)


def _column_letter(index: int) -> str:
    """A (1), …, Z, AA, … as Excel names columns."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _escape(value: str) -> str:
    """Text for XML: & < > escaped, a carriage return kept as a reference (a parser would
    fold it into the line break), characters XML cannot carry dropped."""
    if _ILLEGAL.search(value):
        value = _ILLEGAL.sub("", value)
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\r", "&#13;")
    )


def _string_cell(ref: str, value: str, style: str = "") -> str:
    value = value[:SHEET_MAX_STRING]
    space = ' xml:space="preserve"' if value != value.strip() else ""  # as openpyxl (lxml)
    if _SPECIAL.search(value):
        value = _escape(value)
    if not value:
        return f'<c r="{ref}"{style} t="inlineStr"></c>'
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{value}</t></is></c>'


def _excel_days(value: dt.date) -> float:
    """A date or naive date-time as Excel's serial day number (openpyxl's to_excel)."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    elif value.tzinfo is not None:
        raise ValueError(f"Cannot write {value!r}: Excel has no time zones, give local time.")
    since = value - _EPOCH
    days = since.days - 1 if 0 < since.days <= 60 else since.days  # Excel's 29 Feb 1900
    return days + since.seconds / 86400 + since.microseconds / 86400e6


def _cell(ref: str, value: Any) -> str:
    if isinstance(value, str):
        return _string_cell(ref, value)
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{value:d}</v></c>'
    if isinstance(value, _NUMBERS):
        number = float(value)  # as openpyxl writes it ("%.16g"), Decimal and int alike
        text = "" if math.isnan(number) or math.isinf(number) else f"{number:.16g}"
        return f'<c r="{ref}" t="n"><v>{text}</v></c>'
    if isinstance(value, dt.date):
        style = _DATETIME_STYLE if isinstance(value, dt.datetime) else _DATE_STYLE
        return f'<c r="{ref}" s="{style}" t="n"><v>{_excel_days(value):.16g}</v></c>'
    raise ValueError(f"Cannot write {value!r} to a spreadsheet cell: give text or a number.")


def _sheet_head(sheet: Sheet) -> str:
    if sheet.freeze_header:
        view = (
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A1" sqref="A1"/>'
        )
    else:
        view = '<selection activeCell="A1" sqref="A1"/>'
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>'
        for i, (_name, width) in enumerate(sheet.columns, start=1)
        if width
    )
    header = "".join(
        _string_cell(f"{_column_letter(i)}1", name, ' s="1"')
        for i, (name, _width) in enumerate(sheet.columns, start=1)
    )
    return (
        f'{_DECLARATION}<worksheet xmlns="{_MAIN}"><sheetPr><outlinePr summaryBelow="1" '
        'summaryRight="1"/><pageSetUpPr/></sheetPr><sheetViews><sheetView workbookViewId="0">'
        f'{view}</sheetView></sheetViews><sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>'
        f'{f"<cols>{cols}</cols>" if cols else ""}<sheetData><row r="1">{header}</row>'
    )


def _filter_range(sheet: Sheet, count: int) -> str:
    return f"A1:{_column_letter(max(1, len(sheet.columns)))}{count + 1}"


def _sheet_tail(sheet: Sheet, count: int) -> str:
    autofilter = f'<autoFilter ref="{_filter_range(sheet, count)}"/>' if sheet.filters else ""
    return (
        f"</sheetData>{autofilter}"
        '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
        "</worksheet>"
    )


def _write_rows(out: IO[bytes], rows: Iterable[Sequence[Any]], first: int) -> int:
    """Each row as <row> XML, numbered from `first`, into `out` (UTF-8) a few hundred rows at
    a time; returns how many."""
    letters: list[str] = []
    pending: list[str] = []
    count = 0
    for count, row in enumerate(rows, start=1):
        number = str(first + count - 1)
        while len(letters) < len(row):
            letters.append(_column_letter(len(letters) + 1))
        pending.append(f'<row r="{number}">')
        for letter, value in zip(letters, row, strict=False):
            kind = value.__class__
            if kind is str:  # the common cases inline: a cell costs ~1 µs, a million rows
                if not value:
                    pending.append(f'<c r="{letter}{number}" t="inlineStr"></c>')
                elif (  # plain text: nothing to escape, no space to preserve, not too long
                    value.isprintable()  # no control character, no lone surrogate
                    and value[0] != " "
                    and value[-1] != " "
                    and "&" not in value
                    and "<" not in value
                    and ">" not in value
                    and len(value) <= SHEET_MAX_STRING
                ):
                    pending.append(
                        f'<c r="{letter}{number}" t="inlineStr"><is><t>{value}</t></is></c>'
                    )
                else:
                    pending.append(_string_cell(letter + number, value))
            elif value is None:
                continue
            elif kind is int:
                pending.append(f'<c r="{letter}{number}" t="n"><v>{value:.16g}</v></c>')
            else:
                pending.append(_cell(letter + number, value))
        pending.append("</row>")
        if not count % _FLUSH_ROWS:
            out.write("".join(pending).encode())
            pending.clear()
    out.write("".join(pending).encode())
    return count


def _quoted_sheet(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _workbook(sheets: Sequence[Sheet], counts: Sequence[int]) -> str:
    entries, filters = [], []
    for index, (sheet, count) in enumerate(zip(sheets, counts, strict=True)):
        title = sheet.title[:31]
        entries.append(
            f'<sheet name="{_escape(title)}" sheetId="{index + 1}" state="visible" '
            f'r:id="rId{index + 1}"/>'
        )
        if sheet.filters:
            area = f"$A$1:${_column_letter(max(1, len(sheet.columns)))}${count + 1}"
            filters.append(
                f'<definedName name="_xlnm._FilterDatabase" localSheetId="{index}" hidden="1">'
                f"{_escape(_quoted_sheet(title))}!{area}</definedName>"
            )
    names = f"<definedNames>{''.join(filters)}</definedNames>" if filters else ""
    return (
        f'{_DECLARATION}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><workbookPr/><bookViews>'
        '<workbookView activeTab="0"/></bookViews>'
        f'<sheets>{"".join(entries)}</sheets>{names}<calcPr calcId="124519"/></workbook>'
    )


def _workbook_rels(count: int) -> str:
    sheets = "".join(
        f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, count + 1)
    )
    styles = f'<Relationship Id="rId{count + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
    return f'{_DECLARATION}<Relationships xmlns="{_PKG_REL}">{sheets}{styles}</Relationships>'


def _content_types(count: int) -> str:
    ct = "http://schemas.openxmlformats.org/package/2006/content-types"
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
        f'ContentType="{_OFFICE}.spreadsheetml.worksheet+xml"/>'
        for n in range(1, count + 1)
    )
    return (
        f'{_DECLARATION}<Types xmlns="{ct}">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_OFFICE}.spreadsheetml.'
        f'sheet.main+xml"/>{sheets}<Override PartName="/xl/styles.xml" '
        f'ContentType="{_OFFICE}.spreadsheetml.styles+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
        'package.core-properties+xml"/><Override PartName="/docProps/app.xml" '
        f'ContentType="{_OFFICE}.extended-properties+xml"/></Types>'
    )


def _core(title: str) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    stamp = 'xsi:type="dcterms:W3CDTF"'
    return (
        f'{_DECLARATION}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/'
        '2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        + (f"<dc:title>{_escape(title)}</dc:title>" if title else "")
        + f"<dcterms:created {stamp}>{now}</dcterms:created>"
        f"<dcterms:modified {stamp}>{now}</dcterms:modified></cp:coreProperties>"
    )


def xlsx_write(target: str | IO[bytes], sheets: Sequence[Sheet], *, title: str = "") -> None:
    """Write the sheets to a path or binary file as their rows come: each sheet's XML is
    deflated into the package as it is made, so memory stays flat whatever the number of
    rows. (A sheet's XML over 4 GiB would need zip64: zipfile refuses it when it closes.)"""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=_ZIP_LEVEL) as package:
        package.writestr("[Content_Types].xml", _content_types(len(sheets)))
        package.writestr("_rels/.rels", _ROOT_RELS)
        package.writestr("docProps/app.xml", _APP)
        package.writestr("docProps/core.xml", _core(title))
        counts = []
        for index, sheet in enumerate(sheets, start=1):
            with package.open(f"xl/worksheets/sheet{index}.xml", "w") as part:
                part.write(_sheet_head(sheet).encode())
                counts.append(_write_rows(part, sheet.rows, first=2))
                part.write(_sheet_tail(sheet, counts[-1]).encode())
        package.writestr("xl/workbook.xml", _workbook(sheets, counts))
        package.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(sheets)))
        package.writestr("xl/styles.xml", _STYLES)


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
