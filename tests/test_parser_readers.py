"""Reading bytes: .csv encodings and separators, .xlsx merges and dates, zip-bomb limits."""

import datetime as dt
import io
import zipfile

import openpyxl
import pytest

from tasks_app.parsing import ParseError, parse_document, readers
from tasks_app.parsing.readers import read_csv, read_xlsx

ROWS = [
    ["示范县2026年重点任务分解表"],
    [],
    ["序号", "工作任务", "牵头单位", "责任单位", "完成时限"],
    ["1", "整治农村人居环境", "县农业农村局", "各乡镇、县住建局", "第三季度"],
    ["2", "建设便民服务中心", "县行政审批局", "县财政局", "上半年"],
]


def _csv_text(delimiter=","):
    return "\n".join(delimiter.join(row) for row in ROWS) + "\n"


@pytest.mark.parametrize(
    "data",
    [
        _csv_text().encode("utf-8"),
        _csv_text().encode("utf-8-sig"),
        _csv_text().encode("gb18030"),
        _csv_text("\t").encode("utf-8"),
        _csv_text(";").encode("gb18030"),
    ],
    ids=["utf8", "utf8-bom", "gb18030", "tab", "semicolon"],
)
def test_csv_encodings_and_separators_are_detected(data):
    rows = read_csv(data)
    assert rows[2] == ["序号", "工作任务", "牵头单位", "责任单位", "完成时限"]
    assert rows[3][3] == "各乡镇、县住建局"


def test_csv_quoted_cell_with_a_comma_stays_one_cell():
    data = '序号,工作任务,责任单位\n1,"公开预算,决算",县财政局\n'.encode()
    assert read_csv(data)[1] == ["1", "公开预算,决算", "县财政局"]


def test_csv_division_table_with_header_below_a_title():
    outline = parse_document(_csv_text().encode("gb18030"), "plan.csv")
    found = {t["ref"]: t for t in outline["tasks"]}
    assert found["1"]["deadline"] == "2026-09-30"  # 第三季度
    assert found["2"]["deadline"] == "2026-06-30"  # 上半年
    assert [u["name"] for u in found["1"]["units"]] == ["县农业农村局", "各乡镇", "县住建局"]


def _xlsx(rows, merges=(), dates=()):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for merge in merges:
        sheet.merge_cells(merge)
    for cell, value in dates:
        sheet[cell] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_vertical_merge_fills_every_row_and_dates_read_as_dates():
    rows = [list(r) for r in ROWS]
    rows[4][2] = ""
    data = _xlsx(rows, merges=["C4:C5"], dates=[("E4", dt.datetime(2026, 8, 15))])
    [sheet] = read_xlsx(data)
    assert sheet[3][2] == sheet[4][2] == "县农业农村局"
    assert sheet[3][4] == "2026年8月15日"
    found = {t["ref"]: t for t in parse_document(data, "plan.xlsx")["tasks"]}
    assert found["1"]["deadline"] == "2026-08-15"
    assert ("县农业农村局", "lead") in [(u["name"], u["role"]) for u in found["2"]["units"]]


def test_xlsx_person_and_source_columns_are_not_units():
    rows = [
        ["序号", "工作任务", "任务来源", "牵头单位", "牵头领导", "责任单位", "责任单位负责人"],
        ["1", "推进公开", "省考核", "县政府办", "张三", "县财政局", "李四"],
    ]
    [task] = parse_document(_xlsx(rows), "plan.xlsx")["tasks"]
    assert [u["name"] for u in task["units"]] == ["县政府办", "县财政局"]
    assert task["title"] == "推进公开"


# --- zip safety --------------------------------------------------------------------------------


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_zip_with_a_huge_compression_ratio_is_refused():
    data = _zip({"word/document.xml": b"<w/>", "word/media/x.bin": b"\0" * (4 * 1024 * 1024)})
    with pytest.raises(ParseError, match="压缩比"):
        parse_document(data, "bomb.docx")


def test_zip_with_too_many_members_is_refused(monkeypatch):
    monkeypatch.setattr(readers, "MAX_MEMBERS", 5)
    data = _zip({"xl/workbook.xml": b"<x/>", **{f"xl/m{i}.xml": b"<x/>" for i in range(6)}})
    with pytest.raises(ParseError, match="过多"):
        parse_document(data, "many.xlsx")


def test_zip_that_unpacks_beyond_the_size_limit_is_refused(monkeypatch):
    monkeypatch.setattr(readers, "MAX_UNZIPPED", 1000)
    data = _zip({"word/document.xml": bytes(range(256)) * 8})
    with pytest.raises(ParseError, match="200 MB"):
        parse_document(data, "big.docx")


def test_worksheet_with_too_many_cells_is_refused(monkeypatch):
    monkeypatch.setattr(readers, "MAX_CELLS", 4)
    with pytest.raises(ParseError, match="过大"):
        parse_document(_xlsx(ROWS), "big.xlsx")


def test_memory_error_while_reading_propagates(monkeypatch):
    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(openpyxl, "load_workbook", exhausted)
    with pytest.raises(MemoryError):
        parse_document(_xlsx(ROWS), "plan.xlsx")

    import docx

    monkeypatch.setattr(docx, "Document", exhausted)
    with pytest.raises(MemoryError):
        parse_document(_zip({"word/document.xml": b"<w/>"}), "plan.docx")


def test_xlsx_lead_cell_with_glued_names_is_split():
    rows = [
        ["序号", "工作任务", "牵头单位", "责任单位"],
        ["1", "公开预算", "县财政局县发改局", "各乡镇"],
    ]
    [task] = parse_document(_xlsx(rows), "plan.xlsx")["tasks"]
    assert [(u["name"], u["role"]) for u in task["units"]] == [
        ("县财政局", "lead"),
        ("县发改局", "lead"),
        ("各乡镇", "responsible"),
    ]


HOSTILE_CSV = ('"a,' * 30_000).encode()  # csv.Sniffer took 11-15 s on this


def test_csv_with_hostile_quotes_is_a_parse_error():
    with pytest.raises(ParseError):  # time bound: test_parser_properties
        parse_document(HOSTILE_CSV, "x.csv")


def test_xlsx_responsible_cell_that_marks_its_leads():
    rows = [
        ["序号", "整改措施", "责任单位"],
        ["1", "推行并联审批", "县审批局、县发改局牵头,县住建局、各乡镇(街道)"],
        ["2", "开展联合检查", "县市场监管局(牵头)、县公安局"],
    ]
    found = {t["ref"]: t for t in parse_document(_xlsx(rows), "plan.xlsx")["tasks"]}
    assert [(u["name"], u["role"]) for u in found["1"]["units"]] == [
        ("县审批局", "lead"),
        ("县发改局", "lead"),
        ("县住建局", "responsible"),
        ("各乡镇(街道)", "responsible"),
    ]
    assert [(u["name"], u["role"]) for u in found["2"]["units"]] == [
        ("县市场监管局", "lead"),
        ("县公安局", "responsible"),
    ]
