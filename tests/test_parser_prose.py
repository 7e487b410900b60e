"""Prose rules of the parser, each on an invented example in the genre (no database)."""

import pytest

from tasks_app.parsing import ParseError, parse_text
from tasks_app.parsing.clauses import split_units
from tasks_app.parsing.deadlines import find_deadline
from tasks_app.parsing.outline import split_parts

HEAD = "示范市2026年生态环境工作方案\n"


def tasks(text: str) -> dict:
    return {t["ref"]: t for t in parse_text(text)["tasks"]}


def names(task: dict) -> list[str]:
    return [u["name"] for u in task["units"]]


def leads(task: dict) -> list[str]:
    return [u["name"] for u in task["units"] if u["role"] == "lead"]


# --- clauses -----------------------------------------------------------------------------


def test_participating_units_and_a_remark_after_the_clause():
    found = tasks(
        HEAD + "一、任务\n(一)整治河道。清理淤泥。"
        "(市水务局牵头,市农业局、林业局等参与,相关镇街配合。以下均需相关镇街配合,不再列出)"
    )
    task = found["一/(一)"]
    assert names(task) == ["市水务局", "市农业局", "林业局", "相关镇街"]
    assert leads(task) == ["市水务局"]


def test_several_clauses_in_one_item_merge_in_order_of_first_mention():
    found = tasks(
        HEAD + "一、任务\n(一)控制污染\n1.治理工业。关停小作坊。(市环保局牵头,市工信局参与)"
        "提标改造。2027年底前完成。(市工信局牵头,市环保局等参与)\n2.下一项。具体内容。"
    )
    task = found["一/(一)/1"]
    assert names(task) == ["市环保局", "市工信局"]
    assert set(leads(task)) == {"市环保局", "市工信局"}
    assert found["一/(一)"]["units"] == []


def test_responsibility_sentence_counts_every_unit_whatever_its_verb():
    found = tasks(
        HEAD + "一、任务\n(一)建设公园。完成主体工程。责任分工:市规划局负责设计,"
        "东湖、西湖片区管理局组织实施,市直有关部门配合,市住建局业务检查指导。\n(二)下一项。内容。"
    )
    assert names(found["一/(一)"]) == [
        "市规划局",
        "东湖片区管理局",
        "西湖片区管理局",
        "市直有关部门",
        "市住建局",
    ]
    assert leads(found["一/(一)"]) == []


def test_prose_you_lead_counts_only_as_you_lead_wording():
    found = tasks(
        HEAD + "一、争取规划获批由市发展改革局牵头,组建专班,加快进度。\n"
        "二、编制方案。由市财政局根据需要制定配套办法。"
    )
    assert leads(found["一"]) == ["市发展改革局"]
    assert found["二"]["units"] == []


def test_clause_with_labels_and_a_deadline_inside():
    found = tasks(
        HEAD + "一、任务\n1.优化审批。压缩时限。(牵头单位:市审批局;责任单位:市司法局、"
        "市编办及市直相关单位,各县市区人民政府,9月底完成)"
    )
    task = found["一/1"]
    assert names(task) == ["市审批局", "市司法局", "市编办", "市直相关单位", "各县市区人民政府"]
    assert leads(task) == ["市审批局"]
    assert task["deadline"] == "2026-09-30"


def test_a_label_that_is_not_about_responsibility_ends_the_value():
    found = tasks(
        HEAD + "一、任务\n1.东区安置房500套,责任单位:示范城投公司,所在片区:东区管理局;"
        "2.西区安置房300套,责任单位:示范交投公司,所在片区:西区管理局。"
    )
    assert names(found["一/1"]) == ["示范城投公司"]
    assert names(found["一/2"]) == ["示范交投公司"]


def test_trailing_verb_and_a_later_sentence_of_the_clause():
    found = tasks(
        HEAD + "一、任务\n(一)建设市场。推进改革。〔责任单位:省商务厅、省数据中心按职责分工负责。"
        "具体任务均涉及相关市(州)人民政府,不再做分工,下同。〕"
    )
    assert names(found["一/(一)"]) == ["省商务厅", "省数据中心", "相关市(州)人民政府"]


def test_clause_on_its_own_line_after_a_list_belongs_to_the_parent():
    found = tasks(
        HEAD + "(一)应急管理\n1.完善预案体系\n(1)加强预案管理。\n(2)推进预案精编。\n"
        "(责任单位:市直各有关单位、各县(市、区)人民政府)\n2.下一项\n"
    )
    assert names(found["(一)/1"]) == ["市直各有关单位", "各县(市、区)人民政府"]
    assert found["(一)/1/(2)"]["units"] == []
    flags = {u["name"]: u.get("collective", False) for u in found["(一)/1"]["units"]}
    assert flags["各县(市、区)人民政府"] is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("市园林局(市园林公司)", ["市园林局"]),
        ("各片区管理局(或业主单位)", ["各片区管理局"]),
        ("市交通局等区直部门", ["市交通局"]),
        ("市教育局等相关部门", ["市教育局"]),
        ("北湾、南湾片区开发管理局", ["北湾片区开发管理局", "南湾片区开发管理局"]),
        ("各乡镇(街道)", ["各乡镇(街道)"]),
    ],
)
def test_unit_names_as_written(text, expected):
    assert split_units(text) == expected


def test_traditional_characters_are_read_but_kept_as_written():
    found = tasks(
        "示範州2026年工作計劃\n一、提升效能\n1.加大放權力度。做好承接。"
        "(牽頭單位:州審批服務局;責任單位:州司法局、各縣市人民政府,6月底完成)"
    )
    task = found["一/1"]
    assert names(task) == ["州審批服務局", "州司法局", "各縣市人民政府"]
    assert leads(task) == ["州審批服務局"]
    assert task["deadline"] == "2026-06-30"
    assert task["title"] == "加大放權力度"


# --- deadlines --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wording", "date"),
    [
        ("9月份前", "2026-09-30"),
        ("2026年12月之前", "2026-12-31"),
        ("11月前", "2026-11-30"),
        ("到2028年", "2028-12-31"),
        ("力争到2027年", "2027-12-31"),
        ("争取5月完成", "2026-05-31"),
        ("争取4月初步完成", "2026-04-30"),
        ("力争第二季度开工", "2026-06-30"),
        ("2027年3月31日", "2027-03-31"),
        ("2027-06-30前", "2027-06-30"),
        ("2027.06.30", "2027-06-30"),
    ],
)
def test_more_absolute_deadlines(wording, date):
    assert find_deadline(f"要求{wording}完成相关工作。", 2026).date.isoformat() == date


@pytest.mark.parametrize(
    "wording",
    ["自2027年起实行", "2028年起投入使用", "每月23日前报送", "2025年末债务余额", "印发一个月内"],
)
def test_starts_recurrences_and_data_are_not_deadlines(wording):
    assert find_deadline(f"{wording}。", 2026).date is None


def test_remark_after_the_last_child_gives_its_date_to_the_parent():
    found = tasks(
        HEAD
        + "一、新建任务\n1.东区项目,责任单位:示范城投公司。\n2.西区项目,责任单位:示范交投公司。\n"
        "以上两个项目必须于2026年8月底前开工。\n二、其他要求\n1.高度重视。加强领导。\n"
    )
    assert found["一"]["deadline"] == "2026-08-31"
    assert found["一/2"]["deadline"] is None


# --- structure ---------------------------------------------------------------------------


def test_numbering_that_skips_keeps_the_numbers_and_warns():
    text = (
        "示范市2026年行动方案 一、任务(一)治水1.控源。内容一。(市水务局牵头)"
        "3.节水。内容三。(市水务局牵头)(二)治气1.减排。内容。2.监测。内容。(三)治土"
        "1.调查。内容。(六)治废1.分类。内容。"
    )
    found = tasks(text)
    assert {"一/(一)/1", "一/(一)/3", "一/(三)", "一/(六)", "一/(六)/1"} <= set(found)
    assert found["一/(一)/3"]["warnings"]
    assert found["一/(六)"]["warnings"]
    assert "warnings" not in found["一/(二)/2"]


def test_measures_after_a_clause_stay_in_their_item_in_a_one_line_text():
    text = (
        "示范市2026年行动方案 一、任务(一)治水1.控源。关停作坊。(市环保局牵头)"
        "整治园区。完善设施。(市工信局牵头,市环保局参与)2.节水。内容。(市水务局牵头)"
    )
    found = tasks(text)
    assert names(found["一/(一)/1"]) == ["市环保局", "市工信局"]
    assert found["一/(一)"]["units"] == []


def test_last_entry_of_a_semicolon_list_ends_at_its_full_stop():
    found = tasks(
        "示范市2026年行动方案 一、任务(一)美丽乡村实施项目:1、1个示范乡:东乡;2、2个示范村:"
        "北村、南村;3、1条景观带。主要内容:改善环境。责任分工:东乡人民政府负责。(二)下一项。内容。"
    )
    assert found["一/(一)/3"]["title"].startswith("1条景观带")
    assert names(found["一/(一)"]) == ["东乡人民政府"]
    assert found["一/(一)/3"]["units"] == []


def test_covering_notice_with_numbered_paragraphs_is_not_the_plan():
    text = (
        "示政办字〔2026〕3号\n各县区人民政府,市政府各部门:\n"
        "现将《示范市绿色发展分工方案》印发给你们,请认真贯彻实施。\n"
        "一、高度重视,认真研究。各县区、各部门要强化组织领导,对照方案认真学习研究,找准着力点。\n"
        "二、压实责任,推动落实。各牵头单位要统筹落实任务事项,制定推进方案,形成工作合力。\n"
        "1. 示范市绿色发展取得突破,形成一批可推广的经验。\n"
        "2. 推动产业升级。\n"
    )
    assert list(tasks(text)) == ["1", "2"]


def test_notice_that_is_the_task_list_keeps_its_opening_list():
    text = (
        "示范区管委会关于下达2026年安居工程目标任务的通知 各单位:下达我区2026年目标任务为:"
        "1.新开工1000套;2.基本建成800套。结合实际,提出如下要求:一、新开工任务"
        "1.东区小区500套,责任单位:示范城投公司;2.西区小区500套,责任单位:示范交投公司。"
        "二、其它要求1.务必高度重视。加强领导。 示范区管委会 2026年3月1日"
    )
    found = tasks(text)
    assert list(found) == ["1", "2", "一", "一/1", "一/2", "二", "二/1"]
    assert found["二/1"]["deadline"] is None


def test_later_annex_that_restarts_takes_its_label_as_first_ref_segment():
    text = (
        "示范区办公室关于印发推进方案的通知 现将《推进方案》印发给你们。附件:1.《推进方案》"
        "2.《任务表》 附件1 推进方案 一、组织机构 成立领导小组。二、工作任务(一)分工原则。"
        "附件2 任务表 一、第一组 1.甲项目。内容。2.乙项目。内容。"
    )
    assert [label for label, _ in split_parts(text)] == ["", "附件2"]
    found = tasks(text)
    assert {"一", "二", "二/(一)", "附件2/一", "附件2/一/1", "附件2/一/2"} <= set(found)


def test_a_table_part_goes_to_the_table_reader_first(monkeypatch):
    from tasks_app.parsing import tables

    calls = []

    def fake(text, year):
        calls.append(year)
        if "序号" in text:
            return [{"ref": "1", "number": "1", "level": 1, "title": "表中任务", "text": "",
                     "units": [], "deadline": None, "deadline_text": None,
                     "report_cycle": None}]  # fmt: skip
        return None

    monkeypatch.setattr(tables, "flat_table_items", fake)
    text = HEAD + "一、方案\n(一)内容。\n附件2 任务表\n序号 工作任务 牵头单位\n1 甲 市局\n"
    found = tasks(text)
    assert "附件2/1" in found and "一/(一)" in found
    assert calls == [2026, 2026]


def test_text_without_items_asks_the_table_reader_before_refusing(monkeypatch):
    from tasks_app.parsing import tables

    seen = []
    monkeypatch.setattr(tables, "flat_table_items", lambda text, year: seen.append(text))
    with pytest.raises(ParseError):
        parse_text("示范市通知\n请各单位认真落实。\n")
    assert seen


def test_a_number_repeated_under_one_parent_gets_a_unique_ref_and_a_warning():
    from tasks_app.parsing.refs import unique_refs as _unique_refs

    tasks = [
        {"ref": "一"},
        {"ref": "一/1"},
        {"ref": "一/1"},
        {"ref": "一/1/(1)"},
        {"ref": "一/1/(1)"},
    ]
    refs = [t["ref"] for t in _unique_refs(tasks)]
    assert refs == ["一", "一/1", "一/1~2", "一/1~2/(1)", "一/1~2/(1)~2"]
    assert "重复" in tasks[2]["warnings"][0] and "warnings" not in tasks[3]
