"""A division table as .xlsx and .csv: parsed into an outline, then imported into Taiyuan."""

import csv
import datetime as dt
import io

import openpyxl

from tasks_app.models import Assignment, Task
from tasks_app.parsing import parse_document
from tasks_app.services.imports import workplan_import

TITLE = "示范市2026年重点工作任务分解表"
HEADER = ["序号", "工作任务", "牵头单位", "责任单位", "完成时限"]
ROWS = [
    ["1", "编制年度预算草案", "市财政局", "市发改委、市数据局", dt.datetime(2026, 6, 30)],
    ["2", "公开部门决算", "", "市审计局", "12月"],
    ["3", "办好政府网站", "市政府办公厅", "各县(市、区)人民政府", "长期坚持"],
]


def _xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([TITLE])
    sheet.append([])
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
    sheet.merge_cells("C4:C5")  # 市财政局 leads rows 1 and 2
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv(encoding: str, delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow([TITLE])
    writer.writerow([])
    writer.writerow(HEADER)
    for row in ROWS:
        writer.writerow(
            [f"{c.year}年{c.month}月{c.day}日" if hasattr(c, "year") else c for c in row]
        )
    return buffer.getvalue().encode(encoding)


def _units(task: dict) -> list[tuple[str, str]]:
    return [(u["name"], u["role"]) for u in task["units"]]


def test_xlsx_table_below_a_title_gives_tasks_units_and_deadlines():
    outline = parse_document(_xlsx(), "x.xlsx")
    found = {t["ref"]: t for t in outline["tasks"]}
    assert list(found) == ["1", "2", "3"]
    assert outline["title"] == TITLE
    assert _units(found["1"]) == [
        ("市财政局", "lead"),
        ("市发改委", "responsible"),
        ("市数据局", "responsible"),
    ]
    # The vertical merge applies to both rows it spans.
    assert _units(found["2"]) == [("市财政局", "lead"), ("市审计局", "responsible")]
    assert found["1"]["deadline"] == "2026-06-30"  # a date-typed cell
    assert found["2"]["deadline"] == "2026-12-31"  # 12月 in the document's year
    assert found["3"]["deadline"] is None and found["3"]["deadline_text"] == "长期坚持"
    assert found["3"]["units"][1]["collective"] is True


def test_csv_table_in_utf8_bom_gb18030_and_tabs_reads_the_same():
    outlines = [
        parse_document(_csv("utf-8-sig"), "x.csv"),
        parse_document(_csv("utf-8"), "x.csv"),
        parse_document(_csv("gb18030"), "x.csv"),
        parse_document(_csv("utf-8", "\t"), "x.csv"),
    ]
    first = outlines[0]
    assert all(o["tasks"] == first["tasks"] for o in outlines[1:])
    found = {t["ref"]: t for t in first["tasks"]}
    assert found["1"]["deadline"] == "2026-06-30"
    # No merged cells in a .csv: row 2 has only what it says.
    assert _units(found["2"]) == [("市审计局", "responsible")]


def test_imported_xlsx_table_creates_tasks_and_assignments(taiyuan):
    outline = parse_document(_xlsx(), "x.xlsx")
    result = workplan_import(
        outline=outline, region=taiyuan, user=None, mapping={"市数据局": "new:department"}
    )
    due = dict(Task.objects.filter(plan=result.plan).values_list("ref", "due_date"))
    assert due["1"] == dt.date(2026, 6, 30)
    assert due["2"] == dt.date(2026, 12, 31)
    assigned = {
        (a.task.ref, a.unit.short_name, a.role)
        for a in Assignment.objects.filter(task__plan=result.plan).select_related("task", "unit")
    }
    assert {
        ("1", "市财政局", "lead"),
        ("1", "市发改委", "responsible"),
        ("1", "市数据局", "responsible"),
        ("2", "市财政局", "lead"),
        ("2", "市审计局", "responsible"),
        ("3", "市政府办公厅", "lead"),
    } <= assigned
    counties = {u for ref, u, _ in assigned if ref == "3" and u.endswith("政府")}
    assert len(counties) == 10  # 各县(市、区)人民政府 expands to every county
    assert result.tasks == 3


def test_imported_csv_table_creates_tasks_and_assignments(taiyuan):
    outline = parse_document(_csv("gb18030"), "x.csv")
    result = workplan_import(
        outline=outline, region=taiyuan, user=None, mapping={"市数据局": "new:department"}
    )
    assigned = {
        (a.task.ref, a.unit.short_name, a.role)
        for a in Assignment.objects.filter(task__plan=result.plan).select_related("task", "unit")
    }
    assert ("2", "市审计局", "responsible") in assigned
    assert ("2", "市财政局", "lead") not in assigned
    assert Task.objects.get(plan=result.plan, ref="1").due_date == dt.date(2026, 6, 30)
