"""The parser never crashes: random, mutated and adversarial input gives an outline or ParseError.

Hypothesis generates the inputs. Each example has a deadline (Hypothesis's per-example time
bound): catastrophic regex backtracking grows exponentially with the input and blows it by
orders of magnitude, while a linear parser stays far below it. The linear growth itself is
measured by `benchmarks/bench_parser.py` (10 kB, 100 kB, 1 MB), not timed here.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tasks_app.parsing import ParseError, parse_document, parse_text
from tests.test_parser_readers import HOSTILE_CSV
from tests.test_parser_tables import HOSTILE as HOSTILE_TABLES
from tests.test_parser_tables import REPEATED_HEADERS

# Characters the parser reacts to, and a few it does not.
SPECIAL = list(
    "一二三四五六七八九十百、.．,，;；:：。!?()（）〔〕【】[]《》“”\"'-—~ \n\t"
    "0123456789年月日底前季度上半全内起每牵头单位责任配合负责会同由各县市区政府局委办厅"
    "附件表序号工作任务完成时限"
)
WORDS = [
    "一、", "二、", "(一)", "(二)", "1.", "2.", "1、", "(1)", "①", "〔", "〕", "(", ")",
    "牵头单位:", "责任单位:", "牵头", "负责落实", "会同", "由", "责任分工:",
    "市发改委", "市财政局", "各县(市、区)人民政府", "市直各部门",
    "2026年底前", "6月底前", "3月份前", "第三季度", "上半年", "到2027年", "自2026年起",
    "每季度", "附件2", "序号", "工作任务", "牵头单位", "责任单位", "完成时限",
    "。", ";", "、", "\n", " ",
]  # fmt: skip

SAMPLE = (
    "示范市2026年政务公开工作要点\n"
    "一、推进决策公开\n"
    "(一)公开重大决策预公开事项。6月底前完成。(市政府办公厅牵头,市直各部门负责落实)\n"
    "1.编制目录。\n2.听取意见。\n"
    "(二)做好政策解读。〔市发改委、市财政局负责落实〕\n"
    "二、加强平台建设\n"
    "(一)整合政务新媒体。2026年底前完成。牵头单位:市政府办公厅 责任单位:各县(市、区)人民政府\n"
)

texts = st.one_of(
    st.text(alphabet=st.sampled_from(SPECIAL), max_size=3000),
    st.lists(st.sampled_from(WORDS), max_size=600).map("".join),
    st.text(max_size=2000),  # any Unicode
)


@st.composite
def mutated(draw) -> str:
    """The sample with slices deleted, duplicated, swapped or overwritten."""
    text = SAMPLE
    for _ in range(draw(st.integers(1, 8))):
        n = len(text)
        i = draw(st.integers(0, n))
        j = draw(st.integers(i, min(n, i + 200)))
        op = draw(st.sampled_from(["delete", "duplicate", "insert", "flatten"]))
        if op == "delete":
            text = text[:i] + text[j:]
        elif op == "duplicate":
            text = text[:j] + text[i:j] * draw(st.integers(1, 20)) + text[j:]
        elif op == "insert":
            text = text[:i] + draw(st.sampled_from(WORDS)) + text[i:]
        else:
            text = text.replace("\n", draw(st.sampled_from(["", " ", "。"])))
    return text


@st.composite
def adversarial(draw) -> str:
    """Shapes that make backtracking regexes and recursive code explode."""
    n = draw(st.integers(100, 4000))
    unit = draw(
        st.sampled_from(
            [
                "加强",  # a long run without 。 or a line break
                "(",  # many open brackets
                "〔(",
                "(1)",  # deep or repeated numbering
                "一、",
                "1.1.",
                "(一)1.(1)①",
                "牵头单位:",
                "市发改委",  # names glued together without separators
                "、",
                "2026年",
                "年月日",
                " ",
            ]
        )
    )
    prefix = draw(st.sampled_from(["", "一、", "1.", "序号工作任务牵头单位责任单位"]))
    suffix = draw(st.sampled_from(["", "。", ")", "负责落实)", "\n二、结束"]))
    return prefix + unit * (n // len(unit)) + suffix


def check(text: str) -> None:
    try:
        outline = parse_text(text)
    except ParseError as exc:
        assert exc.message  # a message a person can read
        return
    assert isinstance(outline["tasks"], list) and outline["tasks"]
    refs = [task["ref"] for task in outline["tasks"]]
    assert len(refs) == len(set(refs))
    for task in outline["tasks"]:
        assert isinstance(task["title"], str)
        for unit in task["units"]:
            assert unit["name"] and unit["role"] in ("lead", "responsible")


HEADS = [b"PK\x03\x04", b"%PDF-", b"\xef\xbb\xbf", b"\xff\xfe", b"\xd0\xcf\x11\xe0"]

PROPERTY = settings(
    max_examples=150,
    deadline=dt.timedelta(seconds=2),
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@PROPERTY
@given(texts)
def test_random_text_gives_an_outline_or_a_parse_error(text):
    check(text)


@PROPERTY
@given(mutated())
def test_mutated_notice_gives_an_outline_or_a_parse_error(text):
    check(text)


@PROPERTY
@given(adversarial())
# found by a fuzzer: 40,000 characters before the plan took 27 s (a quadratic preamble regex)
@example("工" * 40000 + "\n一、总体要求\n(一)事项。市发展改革委负责。")
@example("工" * 40000 + "一、总体要求(一)事项。市发展改革委负责。")
@example("示范市方案 一、" + "甲" * 100_000)
@example("示范市方案 一、任务" + "(市局牵头" * 20_000)
@example("示范市方案 一、任务" + "".join(f"{i % 9 + 1}.项" for i in range(20_000)))
@example("示范市方案 一、任务" + "1.甲3.乙" * 10_000)
@example("示范市方案\n" + "".join(f"({i % 9 + 1})项\n" for i in range(20_000)))
def test_adversarial_text_gives_an_outline_or_a_parse_error_in_bounded_time(text):
    check(text)


@PROPERTY
@given(st.sampled_from([*HOSTILE_TABLES, REPEATED_HEADERS]))
def test_hostile_flattened_tables_give_an_outline_or_a_parse_error_in_bounded_time(text):
    check(text)


@PROPERTY
@given(
    st.one_of(
        st.binary(max_size=2000),
        st.tuples(st.sampled_from(HEADS), st.binary(max_size=500)).map(b"".join),
        texts.map(lambda t: t.encode("gb18030", errors="replace")),
    ),
    st.sampled_from(["plan.txt", "plan.docx", "plan.xlsx", "plan.csv", ""]),
)
@example(HOSTILE_CSV, "x.csv")
def test_any_bytes_give_an_outline_or_a_parse_error(data, filename):
    try:
        outline = parse_document(data, filename)
    except ParseError as exc:
        assert exc.message
        return
    assert isinstance(outline["tasks"], list)
