"""Bulletins: figures by hand, ranking, frozen on publish, .docx/.xlsx, mails, monthly drafts."""

import datetime as dt
import io

import docx
import openpyxl
import pytest

from regions.models import UnitContact, User
from reporting.documents import bulletin_docx, bulletin_xlsx
from reporting.mails import bulletin_send
from reporting.models import Bulletin, BulletinDelivery
from reporting.services.bulletins import (
    bulletin_create,
    bulletin_current_figures,
    bulletin_figures,
    bulletin_publish,
    bulletins_draft_monthly,
)
from tasks_app.models import Assignment
from tests.test_progress import history  # noqa: F401 - the known history, as a fixture

YEAR = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


@pytest.fixture
def bulletin(world, history):  # noqa: F811
    return bulletin_create(
        user=world.coordinator,
        plan=world.plan,
        start=YEAR[0],
        end=YEAR[1],
        number="第 1 期",
        introduction="现将落实情况通报如下。",
        conclusion="请各单位抓紧整改。",
    )


def test_figures_and_ranking_are_what_a_hand_count_gives(bulletin):
    f = bulletin_current_figures(bulletin)
    counties = {r["name"]: r for r in f["counties"]}
    assert len(counties) == 10
    assert (counties["小店区"]["rank"], counties["迎泽区"]["rank"]) == (1, 2)  # on time beats late
    assert (counties["迎泽区"]["done"], counties["迎泽区"]["done_on_time"]) == (1, 0)
    assert counties["尖草坪区"]["overdue"] == 1
    units = {r["name"]: r for r in f["units"]}
    assert (
        units["市财政局"]["assignments"],
        units["市财政局"]["done"],
        units["市财政局"]["overdue"],
    ) == (2, 1, 1)
    assert f["did_well"] == ["小店区"]
    assert set(f["lagged"]) == {"尖草坪区", "市发改委", "市财政局"}
    assert sorted(i["unit"] for i in f["overdue"]) == ["尖草坪区政府", "市发改委", "市财政局"]
    assert f["totals"] == {"assignments": 13, "done": 3, "overdue": 3}


def test_publishing_freezes_the_figures(world, bulletin):
    published = bulletin_publish(user=world.coordinator, bulletin_id=bulletin.pk, enqueue=False)
    frozen = bulletin_current_figures(published)
    Assignment.objects.filter(unit__short_name="尖草坪区政府").update(
        state="done", done_at="2026-11-02T00:00Z", signed_at="2026-11-01T00:00Z", progress=100
    )
    published.refresh_from_db()
    assert bulletin_current_figures(published) == frozen  # the data changed, the bulletin did not
    assert {r["name"]: r["overdue"] for r in frozen["counties"]}["尖草坪区"] == 1
    with pytest.raises(Exception, match="已发布"):
        bulletin_publish(user=world.coordinator, bulletin_id=bulletin.pk, enqueue=False)


def test_docx_holds_title_tables_and_every_unit(world, bulletin):
    document = docx.Document(io.BytesIO(bulletin_docx(bulletin)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert bulletin.title in text and "第 1 期" in text and "请各单位抓紧整改" in text
    assert "一、总体情况" in text and "二、各县(市、区)落实情况" in text
    cells = {c.text for t in document.tables for row in t.rows for c in row.cells}
    assert len(document.tables) == 3
    for name in [
        "小店区",
        "迎泽区",
        "杏花岭区",
        "尖草坪区",
        "万柏林区",
        "晋源区",
        "清徐县",
        "阳曲县",
        "娄烦县",
        "古交市",
        "市发改委",
        "市财政局",
    ]:
        assert name in cells, name


def test_xlsx_has_a_sheet_per_table(bulletin):
    workbook = openpyxl.load_workbook(io.BytesIO(bulletin_xlsx(bulletin)))
    assert workbook.sheetnames == ["各县(市、区)", "市直部门", "逾期事项"]
    assert workbook["各县(市、区)"]["B2"].value == "小店区"


def test_publishing_mails_each_unit_once(world, bulletin, mailoutbox):
    User.objects.filter(pk=world.czj.pk).update(email="czj@example.gov.cn")
    UnitContact.objects.create(unit=world.county_unit, email="xd@example.gov.cn")
    bulletin_publish(user=world.coordinator, bulletin_id=bulletin.pk, enqueue=False)
    assert BulletinDelivery.objects.filter(bulletin=bulletin).count() == 12  # every unit concerned
    bulletin_send(bulletin_id=bulletin.pk)
    bulletin_send(bulletin_id=bulletin.pk)  # a retry sends nothing more
    assert sorted(m.to[0] for m in mailoutbox) == ["czj@example.gov.cn", "xd@example.gov.cn"]
    assert mailoutbox[0].subject.startswith("【通报】") and mailoutbox[0].attachments[0][
        0
    ].endswith(".docx")


def test_monthly_drafts_once_per_plan_and_month(world):
    drafts = bulletins_draft_monthly(on=dt.date(2026, 12, 1))
    assert [(b.period_start, b.period_end) for b in drafts] == [
        (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    ]
    assert drafts[0].status == "draft" and "2026年11月" in drafts[0].title
    assert bulletins_draft_monthly(on=dt.date(2026, 12, 2)) == []


def test_bulletins_page_publish_and_download_from_the_admin(client, world, bulletin):
    client.force_login(world.coordinator)
    listing = client.get("/admin/reporting/bulletin/").content.decode()
    assert bulletin.title in listing and "Word" in listing
    client.post(
        "/admin/reporting/bulletin/",
        {"action": "publish_selected", "_selected_action": [bulletin.pk]},
    )
    assert Bulletin.objects.get().status == "published"
    page = client.get(f"/admin/reporting/bulletin/{bulletin.pk}/change/").content.decode()
    assert "小店区" in page and 'name="introduction"' not in page  # frozen: read-only
    download = client.get(f"/admin/reporting/bulletin/{bulletin.pk}/download/", {"format": "docx"})
    assert download.status_code == 200 and download.content[:2] == b"PK"
    client.force_login(world.other_coordinator)
    assert client.get(f"/admin/reporting/bulletin/{bulletin.pk}/download/").status_code == 404


# --- assessment -------------------------------------------------------------------------------


def test_assessment_scores_follow_the_documented_formula(world, history):  # noqa: F811
    from reporting.models import AssessmentScheme
    from reporting.services.assessment import assessment

    AssessmentScheme.objects.create(
        region=world.region,
        year=2026,
        w_completion=60,
        w_on_time=40,
        p_overdue_day=0.5,
        p_returned=2,
        p_missed=1,
    )
    on = dt.date(2026, 11, 20)
    counties, units = assessment(user=world.coordinator, region=world.region, year=2026, on=on)
    scores = {s.name: s for s in counties}
    # 小店区: done on time → 100 × (60×1 + 40×1) ÷ 100 = 100
    assert scores["小店区"].score == 100.0 and scores["小店区"].rank == 1
    # 迎泽区: done late (due 11-05, done 11-10: 11-06, 11-09, 11-10 = 3 working days)
    #   base 100 × (60×1 + 40×0) ÷ 100 = 60; minus 0.5 × 3 = 58.5
    assert (scores["迎泽区"].overdue_workdays, scores["迎泽区"].score) == (3, 58.5)
    # 杏花岭区: not done, returned once: 0 − 2 → floored at 0
    assert (scores["杏花岭区"].returned, scores["杏花岭区"].score) == (1, 0.0)
    # 尖草坪区: overdue since 11-01 (a Sunday): 11-02…06, 09…13, 16…20 = 15 working days
    #   0 − 0.5 × 15 → floored at 0
    assert scores["尖草坪区"].overdue_workdays == 15 and scores["尖草坪区"].score == 0.0
    assert scores["迎泽区"].parts == {
        "基础分": 60.0,
        "逾期扣分": 1.5,
        "退回扣分": 0.0,
        "未按期反馈扣分": 0.0,
    }
    assert {s.name for s in units} == {"市发改委", "市财政局"}


def test_assessment_page_and_export(client, world, history):  # noqa: F811
    client.force_login(world.coordinator)
    page = client.get("/admin/tasks_app/workplan/assessment/", {"year": 2026}).content.decode()
    assert "计分办法" in page and "小店区" in page and "得分" in page
    export = client.get("/admin/tasks_app/workplan/assessment/", {"year": 2026, "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(export.content))["各县(市、区)"]
    assert sheet["B2"].value == "小店区" and sheet["C2"].value == 100


# --- implementation report --------------------------------------------------------------------


def test_implementation_report_follows_the_plans_structure(client, world, history):  # noqa: F811
    client.force_login(world.coordinator)
    page = client.get(f"/admin/tasks_app/workplan/{world.plan.pk}/report/")
    assert "生成报告草稿" in page.content.decode()
    response = client.get(
        f"/admin/tasks_app/workplan/{world.plan.pk}/report/", {"unit": world.czj_unit.pk}
    )
    document = docx.Document(io.BytesIO(response.content))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:4] == ["一、工作开展情况", "(一)加强公开", "1.公开财政预算", "2.公开审计结果"]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "尚未办结,已逾期" in text  # 一/(一) is not done
    assert "2026年3月1日,done" in text  # the accepted report under 一/(二)
    county = client.get(
        f"/admin/tasks_app/workplan/{world.plan.pk}/report/",
        {"county": world.county_unit.region_id},
    )
    assert "小店区政府" in "\n".join(
        p.text for p in docx.Document(io.BytesIO(county.content)).paragraphs
    )


def test_bulletin_total_counts_every_overdue_item_not_only_the_listed_500(world):
    from tests.conftest import add_assignments

    # 510 items of 市财政局 due in October, none done: all overdue on 2026-11-20
    add_assignments(world, world.czj_unit, 510)
    Assignment.objects.filter(task__ref__startswith="九/").update(due_date=dt.date(2026, 10, 15))
    bulletin = bulletin_create(
        user=world.coordinator, plan=world.plan, start=dt.date(2026, 10, 1), end=YEAR[1]
    )
    figures = bulletin_figures(
        plan=world.plan, start=dt.date(2026, 10, 1), end=YEAR[1], on=dt.date(2026, 11, 20)
    )
    # the 510, and the two items of 一/(一) that were due at the end of June
    expected = (
        Assignment.objects.filter(task__plan=world.plan, due_date__lt=dt.date(2026, 11, 20))
        .exclude(state="done")
        .count()
    )
    assert figures["totals"]["overdue"] == expected == 512
    assert len(figures["overdue"]) == 500
    bulletin.figures = figures  # the document as it would be published on that day
    Bulletin.objects.filter(pk=bulletin.pk).update(
        status="published", figures=figures, published_at="2026-11-20T02:00Z"
    )
    bulletin.refresh_from_db()
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(bulletin_docx(bulletin))).paragraphs)
    assert "逾期未办结 512 项" in text
    assert "共 512 项,以下列出期限最早的 500 项" in text
