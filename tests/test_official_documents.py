"""Documents an office sends (GB/T 9704): the bulletin and the implementation report read back
from their .docx (page, fonts, headings, content), and one converted to PDF by LibreOffice."""

import datetime as dt
import io
import os
import re
import shutil
import subprocess

import docx
import pytest
import time_machine
from django.utils import timezone
from docx.oxml.ns import qn
from docx.shared import Pt

from reporting.documents import bulletin_docx
from reporting.services.bulletins import bulletin_create
from reporting.services.implementation_report import cn_number, implementation_report_docx
from tasks_app.services import assignments as svc
from tests.test_progress import history  # noqa: F401 - the known history, as a fixture

ON = dt.date(2026, 11, 20)
SOFFICE = os.environ.get("SOFFICE_PATH") or shutil.which("soffice")


def _fonts(style) -> tuple[str, str]:
    fonts = style.element.rPr.find(qn("w:rFonts"))
    return fonts.get(qn("w:ascii")), fonts.get(qn("w:eastAsia"))


def _read(data: bytes):
    document = docx.Document(io.BytesIO(data))
    return document, [(p.style.name, p.text) for p in document.paragraphs]


def assert_gbt9704(document) -> None:
    section = document.sections[0]
    mm = [
        round(length.mm, 1)  # stored in twips: 210 mm is 11906 twips
        for length in (
            *(section.page_width, section.page_height, section.top_margin),
            *(section.bottom_margin, section.left_margin, section.right_margin),
        )
    ]
    assert mm == [210, 297, 37, 35, 28, 26]
    styles = document.styles
    assert _fonts(styles["Normal"]) == ("Times New Roman", "仿宋_GB2312")
    assert styles["Normal"].font.size == Pt(16)
    assert styles["Normal"].paragraph_format.first_line_indent == Pt(32)
    assert styles["Normal"].paragraph_format.line_spacing == Pt(28.9)
    assert _fonts(styles["Title"])[1] == "方正小标宋简体" and styles["Title"].font.size == Pt(22)
    assert _fonts(styles["Heading 1"])[1] == "黑体" and styles["Heading 1"].font.size == Pt(16)
    assert _fonts(styles["Heading 2"])[1] == "楷体_GB2312"
    assert _fonts(styles["Heading 3"])[1] == "仿宋_GB2312" and styles["Heading 3"].font.bold
    assert styles["Heading 1"].font.color.rgb is None  # not the template's blue
    assert document.settings.odd_and_even_pages_header_footer
    for footer, align in ((section.footer, "right"), (section.even_page_footer, "left")):
        xml = footer.paragraphs[0]._p.xml
        assert " PAGE " in xml and "— " in footer.paragraphs[0].text
        assert f'w:val="{align}"' in xml  # odd pages right, even pages left
    for table in document.tables:
        rows = table.rows
        assert rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # repeated on each page
        assert all(r._tr.trPr.find(qn("w:cantSplit")) is not None for r in rows)
        assert table.style.name == "Table Grid"  # borders


@pytest.fixture
def bulletin(world, history):  # noqa: F811
    return bulletin_create(
        user=world.coordinator,
        plan=world.plan,
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 12, 31),
        number="第 1 期",
        introduction="现将落实情况通报如下。",
        conclusion="请各单位抓紧整改。",
    )


def test_bulletin_follows_gbt9704(bulletin):
    document, paragraphs = _read(bulletin_docx(bulletin))
    assert_gbt9704(document)
    assert paragraphs[0] == ("Title", bulletin.title)
    headings = [text for style, text in paragraphs if style == "Heading 1"]
    assert headings == [
        *("一、总体情况", "二、各县(市、区)落实情况", "三、市直部门落实情况"),
        *("四、逾期事项", "五、工作要求"),
    ]
    assert len(document.tables) == 3


def _at(day: int, month: int = 3):
    return time_machine.travel(timezone.make_aware(dt.datetime(2026, month, day, 10)), tick=False)


@pytest.fixture
def reported(world):
    """市财政局 on 一/(二): a progress report, a claim returned, another progress report, a claim
    accepted; on 一/(一) nothing reported (overdue after June)."""
    a = world.czj_own.pk
    with _at(2):
        svc.assignment_sign(user=world.czj, assignment_id=a)
        svc.report_create(
            user=world.czj, assignment_id=a, text="完成预算梳理,共12项。", progress=40
        )
    with _at(9):
        claim = svc.report_create(
            user=world.czj, assignment_id=a, text="退回的办结申请", progress=100, completion=True
        )
        svc.report_review(user=world.coordinator, report_id=claim.pk, accept=False, comment="补充")
    with _at(16):
        svc.report_create(user=world.czj, assignment_id=a, text="补充了审计报告3份。", progress=80)
    with _at(23):
        claim = svc.report_create(
            user=world.czj,
            assignment_id=a,
            text="已公开审计结果5项。",
            progress=100,
            completion=True,
        )
        svc.report_review(user=world.coordinator, report_id=claim.pk, accept=True)
    return world


def test_implementation_report_has_every_accepted_report_and_the_plans_structure(reported):
    world = reported
    data = implementation_report_docx(
        user=world.coordinator, plan=world.plan, unit=world.czj_unit, on=ON
    )
    document, paragraphs = _read(data)
    assert_gbt9704(document)
    who = world.czj_unit.full_name or world.czj_unit.short_name
    assert paragraphs[0] == ("Title", f"{who}关于《{world.plan.title}》落实情况的报告")
    headings = [(style, text) for style, text in paragraphs if style.startswith("Heading")]
    assert headings[:4] == [
        ("Heading 1", "一、工作开展情况"),
        ("Heading 2", "(一)加强公开"),
        ("Heading 3", "1.公开财政预算"),
        ("Heading 3", "2.公开审计结果"),
    ]
    level1 = [text for style, text in headings if style == "Heading 1"]
    assert level1 == ["一、工作开展情况", "二、存在的问题", "三、下一步工作打算"]
    texts = [text for _style, text in paragraphs]
    under = texts[texts.index("2.公开审计结果") + 1 : texts.index("二、存在的问题")]
    assert under == [
        "已于2026年3月23日办结(期限2026年12月31日,按期办结)。办结申请被退回1次。",
        "2026年3月2日,完成预算梳理,共12项。",
        "2026年3月16日,补充了审计报告3份。",
        "2026年3月23日,已公开审计结果5项。",
    ]  # every accepted report in order; the returned claim never
    assert not any("退回的办结申请" in text for text in texts)
    assert "承担的事项共2项,已办结1项,其中按期办结1项;在办1项,其中逾期未办结1项。" in "".join(texts)
    problems = texts[texts.index("二、存在的问题") + 1 : texts.index("三、下一步工作打算")]
    assert problems[0].startswith("(一)部分事项未按期办结") and "公开财政预算" in problems[1]
    assert "逾期" in problems[1] and any("退回意见为“补充”" in t for t in problems)
    steps = texts[texts.index("三、下一步工作打算") + 1 :]
    assert steps[0].startswith("(一)加快推进逾期事项。对1项逾期未办结事项")
    assert texts[-1] == "2026年11月20日" and texts[-2] == who  # signed and dated


def test_chinese_numbers():
    assert [cn_number(n) for n in (1, 10, 12, 20, 35)] == ["一", "十", "十二", "二十", "三十五"]


def _pdf_pages(path) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", path.read_bytes()))


def test_libreoffice_converts_the_bulletin_to_the_expected_pages(bulletin, tmp_path):
    if not SOFFICE:
        pytest.skip(
            "LibreOffice is not installed (apt-get install libreoffice-writer-nogui "
            "fonts-wqy-zenhei); CI installs it"
        )
    source = tmp_path / "bulletin.docx"
    source.write_bytes(bulletin_docx(bulletin))
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    # two pages: the text and the three tables, on Debian's LibreOffice with the CJK font
    # .ci/run installs (fonts-wqy-zenhei; CJK glyphs are one em wide in any such font)
    assert _pdf_pages(tmp_path / "bulletin.pdf") == 2
