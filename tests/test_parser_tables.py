"""Task tables flattened into text by a web page, and glued unit names.

Every example here is invented, in the genre of the notices the parser reads.
"""

import contextlib
import random

import pytest

from tasks_app.parsing import ParseError, parse_text
from tasks_app.parsing.names import clean_name, split_glued
from tasks_app.parsing.tables import flat_table_items
from tasks_app.parsing.text import fold

NOTICE = (
    "示范省人民政府办公厅关于印发2026年数据开放任务分解表的通知 各设区市人民政府,省直各部门:"
    "现将《2026年数据开放任务分解表》印发给你们,请认真组织实施。各牵头部门要落实责任。"
    " 示范省人民政府办公厅 2026年3月1日 "
)
# 工作任务 / 牵头单位 / 责任单位 / 工作要求, cells run together; an empty cell is a space.
GLUED = NOTICE + (
    "2026年数据开放任务分解表工 作 任 务牵头单位责　任　单　位工　作　要　求"
    "一、夯实数据基础(一)摸清数据家底"
    "1.编制公共数据目录省数据局(省大数据办)省直各部门,各设区市按季度更新目录。"
    "2.建立数据质量评价机制"
    "3.开展公共数据普查 省统计局会同省数据局、财政厅等相关部门,各设区市年内完成普查不少于1次。"
    "(二)推动数据共享"
    "4.建设共享交换平台省数据局省政务服务中心省直各部门,各设区市实现数据按需共享。"
    "5.推进电子证照应用省数据局省大数据中心,各设区市推动证照互认。"
    "二、深化数据开放(一)扩大开放范围6.发布开放清单 各设区市每半年更新一次。"
)


def by_ref(items):
    return {t["ref"]: t for t in items}


def units(task):
    return [(u["name"], u["role"]) for u in task["units"]]


# --- glued cells ----------------------------------------------------------------------------


def test_glued_table_rows_groups_and_refs():
    items = by_ref(flat_table_items(fold(GLUED), None))
    assert list(items) == [
        "一",
        "一/(一)",
        "一/(一)/1",
        "一/(一)/2",
        "一/(一)/3",
        "一/(二)",
        "一/(二)/4",
        "一/(二)/5",
        "二",
        "二/(一)",
        "二/(一)/6",
    ]
    assert items["一"]["title"] == "夯实数据基础"
    assert items["一/(二)"]["level"] == 2 and items["一/(二)/4"]["level"] == 3
    assert items["一/(一)/1"]["title"] == "编制公共数据目录"
    assert items["一/(一)/3"]["title"] == "开展公共数据普查"


def test_glued_lead_cell_then_listed_responsible_cell():
    items = by_ref(flat_table_items(fold(GLUED), None))
    # The alias in brackets is dropped; the last glued name opens the 责任单位 cell.
    assert units(items["一/(一)/1"]) == [
        ("省数据局", "lead"),
        ("省直各部门", "responsible"),
        ("各设区市", "responsible"),
    ]
    assert units(items["一/(二)/5"]) == [
        ("省数据局", "lead"),
        ("省大数据中心", "responsible"),
        ("各设区市", "responsible"),
    ]
    # Two leads glued together: split by their endings, with a warning.
    four = items["一/(二)/4"]
    assert units(four)[:2] == [("省数据局", "lead"), ("省政务服务中心", "lead")]
    assert four["warnings"]


def test_empty_lead_cell_is_a_space_and_hui_tong_marks_the_lead():
    items = by_ref(flat_table_items(fold(GLUED), None))
    assert units(items["一/(一)/3"]) == [
        ("省统计局", "lead"),
        ("省数据局", "responsible"),
        ("财政厅", "responsible"),  # 等相关部门 dropped
        ("各设区市", "responsible"),
    ]
    assert units(items["二/(一)/6"]) == [("各设区市", "responsible")]
    assert items["二/(一)/6"]["units"][0]["collective"] is True


def test_merged_unit_cell_leaves_later_rows_without_units():
    items = by_ref(flat_table_items(fold(GLUED), None))
    two = items["一/(一)/2"]
    assert two["units"] == [] and two["title"] == "建立数据质量评价机制"
    assert two["warnings"]


def test_work_requirement_prose_is_text_not_title_and_gives_the_deadline():
    items = by_ref(flat_table_items(fold(GLUED), None))
    three = items["一/(一)/3"]
    assert "年内完成普查" in three["text"]
    assert three["deadline"] == "2026-12-31"  # 年内, in the notice's year
    assert items["一/(一)/1"]["deadline"] is None


def test_letter_spaced_header_and_line_breaks_for_spaces_read_the_same():
    lines = GLUED.replace(" ", "\n")
    assert flat_table_items(fold(lines), None) == flat_table_items(fold(GLUED), None)


# --- rows without numbers --------------------------------------------------------------------

UNNUMBERED = (
    "示范区管委会办公室关于印发2026年督查问题整改任务表的通知 各有关单位:现将任务表印发给你们。"
    " 2026年督查问题整改任务表 存在问题整改目标和措施责任单位"
    "项目审批效率偏低推行并联审批,压缩审批时限。区行政审批局牵头,区发改局、区住建局"
    "全年完成审批事项清单梳理。区行政审批局牵头"
    "基层医疗服务能力不足加强乡镇卫生院建设,2026年底前完成标准化改造。区卫健局、财政局牵头,各乡镇"
)


def test_rows_without_numbers_are_numbered_by_order():
    items = by_ref(flat_table_items(fold(UNNUMBERED), None))
    assert list(items) == ["1", "2", "3"]
    assert all(t["level"] == 1 and t["number"] == t["ref"] for t in items.values())


def test_problem_cell_printed_before_its_first_row_is_not_the_title():
    items = by_ref(flat_table_items(fold(UNNUMBERED), None))
    assert items["1"]["title"] == "推行并联审批,压缩审批时限"
    assert "项目审批效率偏低" in items["1"]["text"]
    assert items["3"]["title"].startswith("加强乡镇卫生院建设")


def test_unit_cell_closes_the_row_and_marks_its_leads():
    items = by_ref(flat_table_items(fold(UNNUMBERED), None))
    assert units(items["1"]) == [
        ("区行政审批局", "lead"),
        ("区发改局", "responsible"),
        ("区住建局", "responsible"),
    ]
    assert units(items["2"]) == [("区行政审批局", "lead")]
    assert units(items["3"]) == [
        ("区卫健局", "lead"),
        ("财政局", "lead"),
        ("各乡镇", "responsible"),
    ]


def test_year_target_and_year_end_are_deadlines_in_rows():
    items = by_ref(flat_table_items(fold(UNNUMBERED), None))
    assert items["2"]["deadline"] == "2026-12-31"  # 全年完成…
    assert items["3"]["deadline"] == "2026-12-31"  # 2026年底前
    assert items["1"]["deadline"] is None


# --- cells between single spaces, with people's names -------------------------------------------

SPACED = (
    "附件2 重点项目任务分解表 截止日期:2026年3月1日 序号 项目名称 项目内容 投资额(亿元) "
    "企业方联系人及联系方式 牵头领导 责任单位 责任单位负责人 负责事项 一、3.15签约项目 "
    "1 智慧物流园项目 建设物流分拨中心。 12 王小明13800000000 李四 区商务局 赵六 "
    "区商务局负责对接。 2 海洋牧场项目 建设深水网箱和育苗基地。 8 钱七 周八 牵头单位: "
    "东区开发管理局 配合单位: 区农业农村局区自然资源局 孙九 吴十 "
    "1.东区开发管理局负责征地; 2、区农业农村局负责用海审批。 "
    "二、3.16签约项目 3 文旅小镇项目 项目有:1、建设民宿集群,2、建设游客中心;3、建设停车场。 "
    "20 郑一 李四 区文旅局 试点小镇 王五 区文旅局负责对接。"
)


def test_spaced_table_numbers_without_dot_and_dates_are_not_numbers():
    items = by_ref(flat_table_items(fold(SPACED), None))
    assert items["一"]["title"] == "3.15签约项目"
    assert items["一/1"]["title"] == "智慧物流园项目"
    assert "二/3" in items and "一/12" not in items


def test_people_columns_are_never_units():
    items = by_ref(flat_table_items(fold(SPACED), None))
    assert units(items["一/1"]) == [("区商务局", "responsible")]
    # A cell between unit cells that names no person is a unit even without a usual ending.
    assert units(items["二/3"]) == [("区文旅局", "responsible"), ("试点小镇", "responsible")]


def test_labels_inside_the_unit_cell_and_glued_names():
    two = by_ref(flat_table_items(fold(SPACED), None))["一/2"]
    assert units(two) == [
        ("东区开发管理局", "lead"),
        ("区农业农村局", "responsible"),
        ("区自然资源局", "responsible"),
    ]
    assert two["warnings"]


def test_numbered_lists_inside_cells_are_child_nodes_without_units():
    items = by_ref(flat_table_items(fold(SPACED), None))
    assert items["一/2/1"]["title"] == "东区开发管理局负责征地"
    assert items["一/2/2"]["title"] == "区农业农村局负责用海审批"
    assert items["二/3/1"]["title"] == "建设民宿集群"
    assert items["二/3/3"]["title"] == "建设停车场"
    assert items["二/3/1"]["level"] == 3 and items["二/3/1"]["units"] == []


def test_spaced_table_lines_variant_reads_the_same():
    assert flat_table_items(fold(SPACED.replace(" ", "\n")), None) == flat_table_items(
        fold(SPACED), None
    )


# --- a 完成时限 column ----------------------------------------------------------------------------

DEADLINES = (
    "示范市2026年政务公开任务清单 序号工作任务责任单位完成时限"
    "1.公开预算信息市财政局3月"
    "2.公开决算信息市财政局、市审计局2026年6月30日前"
    "3.推进数据开放市数据局第三季度"
    "4.规范政务服务市政务服务中心长期坚持"
    "5.完成年度考核市考核办全年"
    "6.开展专项检查市司法局上半年"
)


def test_deadline_column_values():
    items = by_ref(flat_table_items(fold(DEADLINES), None))
    assert {ref: t["deadline"] for ref, t in items.items()} == {
        "1": "2026-03-31",
        "2": "2026-06-30",
        "3": "2026-09-30",
        "4": None,
        "5": "2026-12-31",
        "6": "2026-06-30",
    }
    assert items["4"]["deadline_text"] == "长期坚持"
    assert units(items["1"]) == [("市财政局", "responsible")]
    assert items["1"]["title"] == "公开预算信息"


def test_year_passed_in_wins_over_the_text():
    items = by_ref(flat_table_items(fold(DEADLINES), 2030))
    assert items["1"]["deadline"] == "2030-03-31"


# --- not task tables ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "附表 表1 重点河流水质目标 序号 名称 断面 水质目标 1 东溪 桥头 Ⅲ类 2 西溪 河口 Ⅳ类",
        "一、总体要求 (一)目标。到2026年完成。(市财政局牵头,市审计局负责落实)",
        "各单位要明确工作任务和责任单位,按时完成。",
        "",
    ],
)
def test_text_without_a_task_table_gives_none(text):
    assert flat_table_items(fold(text), None) is None


def test_parse_text_falls_back_to_a_flattened_table():
    outline = parse_text(UNNUMBERED)
    assert [t["ref"] for t in outline["tasks"]] == ["1", "2", "3"]


# --- glued names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("glued", "names"),
    [
        ("省发改委省经信委", ["省发改委", "省经信委"]),
        ("区经发局区环土局", ["区经发局", "区环土局"]),
        ("区环境与国土资源局区规划局", ["区环境与国土资源局", "区规划局"]),
        ("市卫健委市医保局市财政局", ["市卫健委", "市医保局", "市财政局"]),
        ("省应急办省政府新闻办", ["省应急办", "省政府新闻办"]),
        ("省编办(省审改办)", ["省编办"]),
        ("市场监督管理局", ["市场监督管理局"]),
        ("发展和改革委员会", ["发展和改革委员会"]),
        ("省人民政府办公厅", ["省人民政府办公厅"]),
        ("各县(市、区)人民政府", ["各县(市、区)人民政府"]),
        ("各设区市", ["各设区市"]),
        ("示范区管委会", ["示范区管委会"]),
        ("东区开发管理局", ["东区开发管理局"]),
    ],
)
def test_split_glued(glued, names):
    assert split_glued(glued) == names


def test_clean_name_drops_alias_and_etc():
    assert clean_name("区卫健局(医改办)") == "区卫健局"
    assert clean_name("教育厅等相关部门") == "教育厅"
    assert clean_name("市财政局等") == "市财政局"


# --- hostile input ------------------------------------------------------------------------------

HEADER = "序号工作任务牵头单位责任单位工作要求"


def _hostile():
    rng = random.Random(7)
    alphabet = "省市区局委办、,。1.一、()牵头会同各部门单位 \n"
    yield HEADER + "省发改委" * 25_000
    yield HEADER + "省" * 100_000
    yield HEADER + ("省" * 29 + "局") * 3_300
    yield HEADER + "区经发局牵头," * 14_000
    yield HEADER + "1.任务 " + "省局、" * 33_000
    yield HEADER + "(" * 100_000
    yield HEADER + "省编办(" * 25_000
    yield HEADER + "1." + "".join(f"{i}." for i in range(2, 20_000))
    yield "序号 项目名称 牵头领导 责任单位 负责事项 " + "区财政局 张三 " * 12_000
    yield "存在问题整改目标和措施责任单位" + "问题不足加强工作。区局牵头" * 8_000
    yield (HEADER + "x") * 6_000
    yield HEADER + "".join(rng.choice(alphabet) for _ in range(100_000))


HOSTILE = list(_hostile())  # also explicit examples, with a time bound, in test_parser_properties


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: t[20:30])
def test_hostile_100k_input_raises_nothing_but_parse_error(text):
    with contextlib.suppress(ParseError):  # the only exception allowed
        flat_table_items(text, None)


def test_deadline_column_before_the_unit_column():
    text = (
        "2026年任务表 序号工作任务完成时限责任单位1.公开预算信息3月市财政局"
        "2.公开决算信息2026年6月30日前市财政局、市审计局"
    )
    items = by_ref(flat_table_items(text, None))
    assert items["1"]["title"] == "公开预算信息" and items["1"]["deadline"] == "2026-03-31"
    assert units(items["2"]) == [("市财政局", "responsible"), ("市审计局", "responsible")]


def test_unit_cell_that_ends_the_row_when_unit_columns_come_last():
    items = by_ref(flat_table_items("序号工作任务牵头单位1.公开预算信息市财政局", None))
    assert units(items["1"]) == [("市财政局", "lead")]


def test_rows_pasted_from_a_spreadsheet_keep_their_empty_cells():
    text = (
        "示范市2026年任务清单\n序号\t工作任务\t牵头单位\t责任单位\t完成时限\n"
        "1\t公开预算\t市财政局市发改委\t市审计局\t3月\n"
        "2\t公开决算\t\t市审计局、市统计局\t全年\n"
    )
    items = by_ref(flat_table_items(text, None))
    assert units(items["1"]) == [
        ("市财政局", "lead"),
        ("市发改委", "lead"),
        ("市审计局", "responsible"),
    ]
    assert units(items["2"]) == [("市审计局", "responsible"), ("市统计局", "responsible")]
    assert (items["1"]["deadline"], items["2"]["deadline"]) == ("2026-03-31", "2026-12-31")


def test_spaced_table_with_lead_and_responsible_columns_reads_them_in_order():
    text = (
        "2026年项目表 序号 项目名称 牵头单位 责任单位 负责事项 "
        "1 物流园 区商务局 区财政局 区交通局 区商务局负责对接。"
    )
    [item] = flat_table_items(text, None)
    assert units(item) == [
        ("区商务局", "lead"),
        ("区财政局", "responsible"),
        ("区交通局", "responsible"),
    ]


def test_header_printed_again_on_a_new_page_is_dropped():
    text = (
        "2026年任务表 序号工作任务牵头单位责任单位1.公开预算信息市财政局市审计局,各县区"
        "序号工作任务牵头单位责任单位2.公开决算信息市财政局市统计局,各县区"
    )
    items = by_ref(flat_table_items(text, None))
    assert list(items) == ["1", "2"]
    assert units(items["2"])[0] == ("市财政局", "lead")


def test_a_different_table_after_the_first_ends_it():
    text = (
        "2026年任务表 序号工作任务牵头单位责任单位1.公开预算信息市财政局市审计局,各县区"
        " 附件2 序号 项目名称 责任单位 负责事项 1 物流园 区商务局 负责对接。"
    )
    items = by_ref(flat_table_items(text, None))
    assert list(items) == ["1"] and "物流园" not in items["1"]["text"]


def test_letter_spaced_header_words_do_not_make_a_space_separated_table():
    text = (
        "2026年任务表 序 号 工 作 任 务 牵 头 单 位 责 任 单 位 "
        "1.公开预算信息市财政局市审计局,各县区"
    )
    [item] = flat_table_items(text, None)
    assert units(item)[0] == ("市财政局", "lead") and item["title"] == "公开预算信息"


def test_deadline_cells_with_day_and_year_end():
    text = (
        "序号工作任务责任单位完成时限1.公开预算信息市财政局6月15日前"
        "2.公开决算信息市审计局2027年底前"
    )
    items = by_ref(flat_table_items(text, 2026))
    assert items["1"]["deadline"] == "2026-06-15"
    assert items["2"]["deadline"] == "2027-12-31"


REPEATED_HEADERS = (
    "序号工作任务牵头单位责任单位工作要求。" + "1.任务市财政局市审计局,各县区。"
) * 2500


def test_many_repeated_headers_raise_nothing():
    flat_table_items(REPEATED_HEADERS, None)  # time bound: test_parser_properties


def test_task_source_column_is_not_part_of_the_title_nor_a_unit():
    text = (
        "2026年任务表 序号工作任务任务来源牵头单位责任单位"
        "1.公开预算信息《政府工作报告》市财政局市审计局,各县区"
        "2.推进数据开放省政府工作要点市数据局市财政局,各县区"
    )
    items = by_ref(flat_table_items(text, None))
    assert items["1"]["title"] == "公开预算信息"
    assert items["2"]["title"] == "推进数据开放"
    assert units(items["2"])[0] == ("市数据局", "lead")
    assert "省政府" not in [u["name"] for u in items["2"]["units"]]


@pytest.mark.parametrize("year", [0, 10_000, None])
def test_a_year_no_date_can_be_built_on_is_ignored(year):
    items = by_ref(flat_table_items(fold(DEADLINES), year))
    assert items["1"]["deadline"] == "2026-03-31"  # the year written in the text


def test_lead_marked_in_brackets_and_glued_names_in_a_responsible_cell():
    text = (
        "2026年任务表 序号工作任务责任单位"
        "1.开展巾帼建功活动市妇联(牵头)、市总工会、团市委、县委宣传部按季度报送。"
        "2.建设服务站市科协市人社局,各县区"
    )
    items = by_ref(flat_table_items(text, None))
    assert units(items["1"]) == [
        ("市妇联", "lead"),
        ("市总工会", "responsible"),
        ("团市委", "responsible"),
        ("县委宣传部", "responsible"),
    ]
    assert units(items["2"])[:2] == [("市科协", "responsible"), ("市人社局", "responsible")]
    assert items["2"]["warnings"]


@pytest.mark.parametrize(
    ("glued", "names"),
    [
        ("市妇联市总工会", ["市妇联", "市总工会"]),
        ("县科协县委宣传部", ["县科协", "县委宣传部"]),
        ("省人社厅", ["省人社厅"]),
        ("市供销社", ["市供销社"]),
    ],
)
def test_split_glued_more_endings(glued, names):
    assert split_glued(glued) == names


def test_group_rows_in_a_table_without_numbers():
    text = (
        "2026年整改任务表 存在问题整改措施责任单位一、营商环境 审批效率偏低推行并联审批。"
        "区审批局牵头,区发改局二、民生保障 基层医疗能力不足加强卫生院建设。区卫健局牵头"
    )
    items = by_ref(flat_table_items(text, None))
    assert list(items) == ["一", "一/1", "二", "二/2"]  # rows keep their order in the table
    assert items["二"]["title"] == "民生保障"
    assert items["二/2"]["title"] == "加强卫生院建设"
    assert units(items["二/2"]) == [("区卫健局", "lead")]


def test_a_bracket_of_area_words_belongs_to_the_name():
    assert split_glued("各乡镇(街道)") == ["各乡镇(街道)"]
    text = "2026年任务表 序号工作任务责任单位1.清理河道各乡镇(街道)、县水利局按月巡查。"
    [item] = flat_table_items(text, None)
    assert units(item) == [("各乡镇(街道)", "responsible"), ("县水利局", "responsible")]


def test_year_of_the_table_title_wins_over_an_older_document_cited_first():
    text = (
        "根据《2019年工作要点》,现将任务表印发给你们。 2026年任务表 "
        "序号工作任务责任单位完成时限1.公开预算信息市财政局3月"
    )
    [item] = flat_table_items(text, None)
    assert item["deadline"] == "2026-03-31"


def test_order_numbers_glued_to_rows_without_separators_are_not_titles():
    text = (
        "2026年整改任务表 序号整改措施责任单位1推行并联审批。区审批局牵头,区发改局"
        "2加强卫生院建设;区卫健局牵头3开展联合检查。区市场监管局牵头"
    )
    items = by_ref(flat_table_items(text, None))
    assert [(ref, t["title"]) for ref, t in items.items()] == [
        ("1", "推行并联审批"),
        ("2", "加强卫生院建设"),
        ("3", "开展联合检查"),
    ]


def test_more_rows_than_the_item_limit_is_refused():
    text = "序号工作任务责任单位" + "".join(f"{i}.任务市财政局、市审计局" for i in range(1, 5100))
    with pytest.raises(ParseError, match="5000"):
        flat_table_items(text, None)


def test_signature_after_a_table_without_numbers_is_not_a_row():
    text = UNNUMBERED + " 示范区管委会办公室 2026年3月1日"
    assert list(by_ref(flat_table_items(fold(text), None))) == ["1", "2", "3"]
