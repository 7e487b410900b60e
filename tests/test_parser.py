"""The parser, form by form, on examples written for these tests (no database)."""

import io
import json
import subprocess
import sys
from pathlib import Path

import docx
import openpyxl
import pytest

from tasks_app.parsing import ParseError, parse_document, parse_text
from tasks_app.parsing.clauses import split_units
from tasks_app.parsing.deadlines import find_deadline, table_deadline

HEAD = "示范市2026年政务公开工作要点\n"


def tasks(text: str) -> dict:
    return {t["ref"]: t for t in parse_text(text)["tasks"]}


def units(task: dict) -> list[tuple[str, str]]:
    return [(u["name"], u["role"]) for u in task["units"]]


# --- numbering -------------------------------------------------------------------------


def test_every_numbering_style_nests_in_order():
    found = tasks(
        HEAD + "一、总体要求\n(一)第一项\n1.子项\n(1)细项\n①要点\n1、另一写法\n二、第二部分"
    )
    assert list(found) == [
        "一",
        "一/(一)",
        "一/(一)/1",
        "一/(一)/1/(1)",
        "一/(一)/1/(1)/①",
        "一/(一)/1/(1)/①/1",
        "二",
    ]
    assert [t["level"] for t in found.values()] == [1, 2, 3, 4, 5, 6, 1]


def test_arabic_with_dot_and_with_dun_are_different_levels():
    found = tasks(HEAD + "一、甲\n1.子项\n1、细项\n2、细项二\n2.子项二")
    assert list(found) == ["一", "一/1", "一/1/1", "一/1/2", "一/2"]
    assert [found[r]["level"] for r in found] == [1, 2, 3, 3, 2]


def test_full_width_numbers_fold_to_half_width_refs():
    found = tasks(HEAD + "一、甲\n（一）全角括号\n１．全角数字\n（二）第二项")
    assert list(found) == ["一", "一/(一)", "一/(一)/1", "一/(二)"]


def test_inline_heading_takes_the_text_up_to_the_first_full_stop():
    found = tasks(HEAD + "一、甲\n1.批准服务信息。申报要求、申报材料清单等。")
    assert found["一/1"]["title"] == "批准服务信息"
    assert "申报材料清单" in found["一/1"]["text"]


def test_numbering_that_continues_across_sections_keeps_its_numbers():
    found = tasks(HEAD + "一、甲\n(一)一项\n(二)二项\n二、乙\n(三)三项\n(四)四项")
    assert list(found) == ["一", "一/(一)", "一/(二)", "二", "二/(三)", "二/(四)"]


def test_numbering_that_restarts_in_each_section():
    found = tasks(HEAD + "一、甲\n1.一\n2.二\n二、乙\n1.一\n2.二")
    assert list(found) == ["一", "一/1", "一/2", "二", "二/1", "二/2"]


def test_covering_notice_before_the_plan_is_not_an_item():
    text = (
        "示政办发〔2026〕3号\n示范市人民政府办公室关于印发示范市2026年政务公开工作要点的通知\n"
        "各县(市、区)人民政府,市直各部门:\n现印发给你们,请于2026年4月1日前报送联络员。\n"
        "示范市人民政府办公室\n2026年3月2日\n" + HEAD + "一、甲\n(一)乙。内容。(市财政局负责落实)"
    )
    outline = parse_text(text)
    assert [t["ref"] for t in outline["tasks"]] == ["一", "一/(一)"]
    assert outline["doc_number"] == "示政办发〔2026〕3号"
    assert outline["issuer"] == "示范市人民政府办公室"
    assert outline["issued_on"] == "2026-03-02"
    assert outline["title"] == "示范市2026年政务公开工作要点"
    assert outline["period"] == {"start": "2026-01-01", "end": "2026-12-31"}
    assert all(t["deadline"] is None for t in outline["tasks"])  # the notice's date is not one


def test_signature_after_the_plan_is_not_a_deadline_or_text():
    outline = parse_text(HEAD + "一、甲\n(一)乙。内容。\n示范市人民政府办公室\n2026年3月2日")
    found = {t["ref"]: t for t in outline["tasks"]}
    assert outline["issuer"] == "示范市人民政府办公室"  # from the signature, as no notice names it
    assert outline["issued_on"] == "2026-03-02"
    assert found["一/(一)"]["deadline"] is None
    assert "2026年3月2日" not in found["一/(一)"]["text"]


def test_text_without_line_breaks_is_split_at_its_item_numbers():
    lines = (
        HEAD + "一、总体要求\n坚持公开为常态。\n二、重点工作\n(一)公开财政预算\n"
        "1.公开预算。按时公开。〔市财政局负责落实〕\n2.公开决算。年底前公开。(市审计局牵头负责落实)\n"
        "(二)回应关切。及时回应。(市直各部门负责落实)\n三、保障措施\n(三)加强培训。"
    )
    with_breaks = parse_text(lines)
    one_line = parse_text(lines.replace("\n", ""))
    assert [t["ref"] for t in one_line["tasks"]] == [t["ref"] for t in with_breaks["tasks"]]
    assert [t["units"] for t in one_line["tasks"]] == [t["units"] for t in with_breaks["tasks"]]
    assert one_line["tasks"][4]["deadline"] == "2026-12-31"


def test_closing_remarks_after_a_list_belong_to_the_section():
    found = tasks(
        HEAD + "一、甲\n(一)公开重大项目\n1.批准信息。审批结果等。\n2.实施信息。施工信息等。\n"
        "各县(市、区)政府参照以上内容,2026年底前建立制度。〔市发改委及各县(市、区)人民政府负责落实〕\n"
        "(二)下一项"
    )
    assert units(found["一/(一)"]) == [
        ("市发改委", "responsible"),
        ("各县(市、区)人民政府", "responsible"),
    ]
    assert found["一/(一)"]["deadline"] == "2026-12-31"
    assert found["一/(一)/2"]["units"] == [] and found["一/(一)/2"]["deadline"] is None


def test_no_numbered_items_is_refused():
    with pytest.raises(ParseError, match="没有找到编号条目"):
        parse_text("这是一段没有任何编号的普通文字,讲述了政务公开的重要意义。" * 5)


# --- responsibility clauses --------------------------------------------------------------


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        (
            "〔市发改委、市财政局负责落实〕",
            [("市发改委", "responsible"), ("市财政局", "responsible")],
        ),
        ("(市民政局牵头负责落实)", [("市民政局", "lead")]),
        ("(市财政局牵头,市审计局负责落实)", [("市财政局", "lead"), ("市审计局", "responsible")]),
        (
            "〔市发改委、市编办会同市工商局及各县(市、区)人民政府负责落实〕",
            [
                ("市发改委", "lead"),
                ("市编办", "lead"),
                ("市工商局", "responsible"),
                ("各县(市、区)人民政府", "responsible"),
            ],
        ),
        ("(市卫健委、市药监局按职责牵头负责落实)", [("市卫健委", "lead"), ("市药监局", "lead")]),
        (
            "(市直各部门及各县(市、区)人民政府分别负责落实)",
            [("市直各部门", "responsible"), ("各县(市、区)人民政府", "responsible")],
        ),
        (
            "(牵头单位:市政务办;责任单位:市大数据局、各县(市、区)人民政府)",
            [
                ("市政务办", "lead"),
                ("市大数据局", "responsible"),
                ("各县(市、区)人民政府", "responsible"),
            ],
        ),
        (
            "〔市政府办公厅牵头市直各部门、各县(市、区)人民政府负责落实〕",
            [
                ("市政府办公厅", "lead"),
                ("市直各部门", "responsible"),
                ("各县(市、区)人民政府", "responsible"),
            ],
        ),
    ],
)
def test_bracketed_clause_forms(clause, expected):
    found = tasks(HEAD + f"一、甲\n(一)某项工作。具体内容。{clause}")
    assert units(found["一/(一)"]) == expected


def test_separate_responsibility_paragraph_belongs_to_the_item():
    found = tasks(
        HEAD + "一、甲\n(一)回应关切。一个工作日内回应。\n责任单位:市公安局、市司法局\n(二)下一项"
    )
    assert units(found["一/(一)"]) == [("市公安局", "responsible"), ("市司法局", "responsible")]


def test_labelled_lines_after_an_item_give_units_roles_and_deadline():
    found = tasks(
        HEAD + "一、甲\n(一)开放日活动。每季度一次。\n牵头单位:市政府办公室\n"
        "责任单位:市直各部门\n完成时限:2026年10月31日前\n(二)下一项"
    )
    assert units(found["一/(一)"]) == [("市政府办公室", "lead"), ("市直各部门", "responsible")]
    assert found["一/(一)"]["deadline"] == "2026-10-31"
    assert found["一/(二)"]["units"] == []


def test_bare_sentence_clause_without_brackets():
    found = tasks(HEAD + "一、甲\n(一)政府公报。每月编发。由市政府办公室牵头,市司法局配合。")
    assert units(found["一/(一)"]) == [("市政府办公室", "lead"), ("市司法局", "responsible")]


def test_parenthetical_remark_that_is_not_a_clause_names_no_unit():
    found = tasks(HEAD + "一、甲\n(一)公开名单。相关信息(由负责管理的部门分别公开)及时发布。")
    assert found["一/(一)"]["units"] == []


def test_collective_names_are_marked():
    found = tasks(
        HEAD + "一、甲\n(一)某项。(市直各部门、各县(市、区)人民政府、各乡镇(街道)、"
        "省政府各部门、市财政局负责落实)"
    )
    flags = {u["name"]: u.get("collective", False) for u in found["一/(一)"]["units"]}
    assert flags == {
        "市直各部门": True,
        "各县(市、区)人民政府": True,
        "各乡镇(街道)": True,
        "省政府各部门": True,
        "市财政局": False,
    }


# --- unit lists ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("市发改委、市财政局", ["市发改委", "市财政局"]),
        ("市发改委,市财政局;市审计局", ["市发改委", "市财政局", "市审计局"]),
        ("市发改委，市财政局", ["市发改委", "市财政局"]),
        ("市文化和旅游局及各县(市、区)人民政府", ["市文化和旅游局", "各县(市、区)人民政府"]),
        ("市统计局和市审计局", ["市统计局", "市审计局"]),
        ("市住房和城乡建设局", ["市住房和城乡建设局"]),
        ("市安监局等部门及各县(市、区)人民政府", ["市安监局", "各县(市、区)人民政府"]),
        ("市文化局、市体育局等", ["市文化局", "市体育局"]),
    ],
)
def test_unit_lists_split_where_units_join(text, expected):
    assert split_units(text.replace("，", ",")) == expected


# --- deadlines ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wording", "date"),
    [
        ("2018年底前", "2018-12-31"),
        ("年底前", "2026-12-31"),
        ("年内", "2026-12-31"),
        ("6月底前", "2026-06-30"),
        ("10月份前", "2026-10-31"),
        ("上半年", "2026-06-30"),
        ("第三季度", "2026-09-30"),
        ("2019年3月31日前", "2019-03-31"),
        ("2018年年内", "2018-12-31"),
        ("明年底前", "2027-12-31"),
    ],
)
def test_absolute_deadlines_resolve_against_the_document_year(wording, date):
    deadline = find_deadline(f"要在{wording}完成这项工作。", 2026)
    assert deadline.date.isoformat() == date
    assert deadline.text == wording


@pytest.mark.parametrize(
    ("wording", "cycle"),
    [
        ("1个工作日内", None),
        ("尽快", None),
        ("持续推进", None),
        ("每月", "monthly"),
        ("每季度", "quarterly"),
    ],
)
def test_relative_and_standing_wording_is_kept_as_text(wording, cycle):
    deadline = find_deadline(f"{wording}公开有关信息。", 2026)
    assert deadline.date is None
    assert deadline.text == wording
    assert deadline.cycle == cycle


def test_earliest_of_several_deadlines_wins():
    deadline = find_deadline("2027年3月31日前完成迁移,2026年底前完成县级网站迁移。", 2026)
    assert deadline.date.isoformat() == "2026-12-31"


def test_every_year_and_one_year_are_not_deadlines():
    assert find_deadline("每年年底前报送年度报告。", 2026).date is None
    assert find_deadline("在3年内逐步完成。", 2026).date is None


@pytest.mark.parametrize(
    ("cell", "date"),
    [("3月", "2026-03-31"), ("全年", "2026-12-31"), ("2026年6月底前", "2026-06-30")],
)
def test_table_deadline_cells(cell, date):
    assert table_deadline(cell, 2026).date.isoformat() == date


def test_table_deadline_cell_that_is_no_date_is_kept_as_text():
    deadline = table_deadline("长期坚持", 2026)
    assert deadline.date is None
    assert deadline.text == "长期坚持"


# --- inputs ----------------------------------------------------------------------------------

SAMPLE = HEAD + "一、甲\n(一)公开预算。6月底前公开。(市财政局牵头,市审计局负责落实)\n(二)公开决算。"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_text_encodings_are_detected(encoding):
    outline = parse_document(SAMPLE.encode(encoding), "plan.txt")
    assert outline["tasks"][1]["units"][0] == {"name": "市财政局", "role": "lead"}
    assert outline["tasks"][1]["deadline"] == "2026-06-30"


def _docx_bytes(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    document = docx.Document()
    for line in paragraphs:
        document.add_paragraph(line)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_paragraphs_parse_like_text():
    from_docx = parse_document(_docx_bytes(SAMPLE.splitlines()), "plan.docx")
    assert from_docx["tasks"] == parse_text(SAMPLE)["tasks"]


DIVISION_TABLE = [
    ["序号", "工作任务", "具体措施", "牵头单位", "责任单位", "完成时限"],
    [
        "一、推进重点领域信息公开",
        "一、推进重点领域信息公开",
        "一、推进重点领域信息公开",
        "一、推进重点领域信息公开",
        "一、推进重点领域信息公开",
        "一、推进重点领域信息公开",
    ],
    [
        "1",
        "公开财政预决算",
        "按时公开预决算",
        "市财政局",
        "市直各部门、各县(市、区)人民政府",
        "3月",
    ],
    ["2", "公开重大项目", "公开审批和实施信息", "市发改委", "市住建局", "全年"],
    [
        "二、加强政策解读",
        "二、加强政策解读",
        "二、加强政策解读",
        "二、加强政策解读",
        "二、加强政策解读",
        "二、加强政策解读",
    ],
    ["3", "做好政策解读", "同步发布解读材料", "", "市直各部门", "长期坚持"],
]


def test_docx_division_table_gives_items_units_and_deadlines():
    data = _docx_bytes(["示范市2026年政务公开工作任务分解表"], DIVISION_TABLE)
    found = {t["ref"]: t for t in parse_document(data, "table.docx")["tasks"]}
    assert list(found) == ["一", "一/1", "一/2", "二", "二/3"]
    assert units(found["一/1"]) == [
        ("市财政局", "lead"),
        ("市直各部门", "responsible"),
        ("各县(市、区)人民政府", "responsible"),
    ]
    assert found["一/1"]["deadline"] == "2026-03-31"
    assert found["一/2"]["deadline"] == "2026-12-31"
    assert found["二/3"]["deadline"] is None and found["二/3"]["deadline_text"] == "长期坚持"


def _xlsx_bytes(rows: list[list[str]], merge: str | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["示范市2026年政务公开重点工作任务分解表"])
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_division_table_finds_columns_by_their_headers():
    rows = [
        ["主要任务", "序号", "完成时间", "工作要求", "配合单位", "牵头部门"],  # columns reordered
        ["公开预算", "1", "6月", "按时公开", "市审计局", "市财政局"],
        ["公开决算", "2", "2026年9月30日前", "按时公开", "", "市财政局"],
    ]
    outline = parse_document(_xlsx_bytes(rows), "tasks.xlsx")
    found = {t["ref"]: t for t in outline["tasks"]}
    assert units(found["1"]) == [("市财政局", "lead"), ("市审计局", "responsible")]
    assert found["1"]["deadline"] == "2026-06-30"
    assert found["2"]["deadline"] == "2026-09-30"
    assert outline["title"] == "示范市2026年政务公开重点工作任务分解表"


def test_xlsx_merged_number_cell_joins_rows_into_one_item():
    rows = [
        ["序号", "工作任务", "具体措施", "牵头单位", "责任单位", "完成时限"],
        ["1", "公开预算", "公开政府预算", "市财政局", "", "3月"],
        ["", "公开预算", "公开部门预算", "", "市直各部门", ""],
    ]
    outline = parse_document(_xlsx_bytes(rows, merge="A3:A4"), "tasks.xlsx")
    [item] = outline["tasks"]
    assert "公开部门预算" in item["text"]
    assert units(item) == [("市财政局", "lead"), ("市直各部门", "responsible")]


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.txt", "空"),
        (b"   \n\n  ", "blank.txt", "空"),
        (b"\x00\x01\x02\x03binary\x00\xff" * 50, "image.bin", "不是文本"),
        (b"PK\x03\x04" + b"\x00garbage" * 20, "broken.docx", "损坏"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.doc", "另存为"),
        (b"%PDF-1.4 ...", "plan.pdf", "PDF"),
    ],
)
def test_unreadable_input_gets_a_clear_message(data, name, message):
    with pytest.raises(ParseError, match=message):
        parse_document(data, name)


def test_corrupt_docx_with_valid_zip_is_refused():
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<not really word>")
    with pytest.raises(ParseError, match=r"\.docx"):
        parse_document(buffer.getvalue(), "broken.docx")


def test_xlsx_without_recognisable_headers_is_refused():
    data = _xlsx_bytes([["名称", "数量"], ["苹果", "3"]])
    with pytest.raises(ParseError, match="表头"):
        parse_document(data, "fruit.xlsx")


# --- the Taiyuan notice against its gold outline (needs ../shared) ---------------------------

SHARED = Path(__file__).resolve().parents[2] / "shared"
TAIYUAN = SHARED / "seeds" / "003_079112ff1aadfc6f.txt"
GOLD = SHARED / "gold" / "003_taiyuan_2018.json"
needs_shared = pytest.mark.skipif(
    not TAIYUAN.exists(), reason="../shared (seeds and gold outline) is not beside the repo"
)


def _score(outline: dict) -> float:
    sys.path.insert(0, str(SHARED / "tools"))
    try:
        from score_outline import score
    finally:
        sys.path.pop(0)
    result, _misses = score(json.loads(GOLD.read_text("utf-8")), outline)
    return result["overall"]


@needs_shared
@pytest.mark.parametrize("variant", ["text", "gb18030", "docx", "one line"])
def test_taiyuan_notice_scores_1_in_every_form(variant):
    text = TAIYUAN.read_text("utf-8")
    if variant == "text":
        outline = parse_document(text.encode())
    elif variant == "gb18030":
        outline = parse_document(text.encode("gb18030"))
    elif variant == "docx":
        outline = parse_document(_docx_bytes(text.splitlines()), "taiyuan.docx")
    else:
        outline = parse_text(text.replace("\n", ""))
    assert _score(outline) == 1.0


@needs_shared
def test_parse_workplan_command_prints_the_outline_json(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "parse_workplan", str(TAIYUAN), "--json"],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=60,
        env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "config.test_settings"},
    )
    assert result.returncode == 0, result.stderr
    assert _score(json.loads(result.stdout)) >= 0.98
