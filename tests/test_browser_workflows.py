"""The coordinator's and the unit's workflows in a real browser (Debian's Chromium, headless,
driven by Playwright): the review queue, extension decisions, a bulletin from draft to
published, and the unit's pages at a phone's size."""

import datetime as dt
import re

import pytest

from tests.test_browser import ARGS, chromium  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "pw-123456"  # the world fixture's users
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PHONE = {"width": 390, "height": 844}


def browse(chromium_path: str, check, viewport=None) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=ARGS)
        try:
            size = viewport or {"width": 1300, "height": 900}
            # each person in a context of their own (their own cookies)
            check(lambda: browser.new_context(viewport=size).new_page())
        finally:
            browser.close()


def admin_login(page, url: str, username: str) -> None:
    page.goto(f"{url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{url}/admin/")


def unit_login(page, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/tasks/")


def signed(world, *assignments) -> None:
    from tasks_app.services import assignments as svc

    for assignment in assignments:
        svc.assignment_sign(user=world.czj, assignment_id=assignment.pk)


@pytest.mark.django_db(transaction=True)
def test_review_queue_accept_one_return_another_and_the_unit_sees_why(
    live_server,
    chromium,  # noqa: F811
    world,
):
    from tasks_app.models import Assignment
    from tasks_app.services import assignments as svc

    # given: two claims of 市财政局 (the data first: Django refuses ORM calls in Playwright's loop)
    signed(world, world.czj_own, world.czj_shared)
    claims = [
        svc.report_create(
            user=world.czj, assignment_id=a.pk, text="已完成", progress=100, completion=True
        ).pk
        for a in (world.czj_own, world.czj_shared)
    ]
    url, returned = live_server.url, world.czj_own.pk

    def check(new_page):
        page = new_page()
        admin_login(page, url, "coord")
        page.goto(f"{url}/admin/tasks_app/progressreport/?review_status__exact=pending")
        assert page.locator("#result_list tbody tr").count() == 2
        # accept the shared item's claim
        page.goto(f"{url}/admin/tasks_app/progressreport/{claims[1]}/change/")
        page.click("input[name=_accept]")
        page.wait_for_url(re.compile(r".*review_status__exact=pending$"))
        assert "已通过,事项办结" in page.inner_text(".messagelist")
        assert page.locator("#result_list tbody tr").count() == 1
        # return the other with a reason
        page.locator("#result_list tbody tr th a").first.click()
        page.fill("#review_comment_input", "请补充公开网址和页面截图")
        page.click("input[name=_return]")
        assert "已退回" in page.inner_text(".messagelist")

        unit = new_page()
        unit_login(unit, url, "czj")
        row = unit.locator("ul.items li", has_text="公开审计结果")
        assert "被退回" in row.inner_text()
        assert "被退回" not in unit.locator("ul.items li", has_text="公开财政预算").inner_text()
        row.locator("a").click()
        unit.wait_for_url(f"{url}/tasks/{returned}/")
        notice = unit.inner_text("#returned")
        assert "请补充公开网址和页面截图" in notice and "coord" in notice

    browse(chromium, check)
    assert Assignment.objects.get(pk=world.czj_shared.pk).state == "done"
    assert Assignment.objects.get(pk=world.czj_own.pk).state == "in_progress"


@pytest.mark.django_db(transaction=True)
def test_extension_requested_then_one_approved_one_refused_with_a_reason(
    live_server,
    chromium,  # noqa: F811
    world,
):
    from tasks_app.models import ExtensionRequest

    signed(world, world.czj_own, world.czj_shared)
    asks = {
        world.czj_own.pk: (world.czj_own.due_date + dt.timedelta(days=30), "等待省级批复"),
        world.czj_shared.pk: (world.czj_shared.due_date + dt.timedelta(days=20), "人手不足"),
    }
    url = live_server.url

    def check(new_page):
        unit = new_page()
        unit_login(unit, url, "czj")
        for pk, (day, reason) in asks.items():
            unit.goto(f"{url}/tasks/{pk}/")
            unit.fill("#id_requested_due_date", day.isoformat())
            unit.fill("#id_reason", reason)
            unit.click("text=提交延期申请")
            assert "延期申请已提交" in unit.inner_text(".messages")

        page = new_page()
        admin_login(page, url, "coord")
        page.goto(f"{url}/admin/tasks_app/extensionrequest/?status__exact=pending")
        table = page.inner_text("#result_list")
        assert "等待省级批复" in table and "人手不足" in table
        page.locator("#result_list tbody tr", has_text="等待省级批复").locator("th a").click()
        page.click("input[name=_approve]")
        assert "已批准延期" in page.inner_text(".messagelist")

        page.locator("#result_list tbody tr", has_text="人手不足").locator("th a").click()
        refuse_page = page.url
        page.click("input[name=_refuse]")  # no reason: refused with an error first
        assert "请填写理由" in page.inner_text(".messagelist")
        assert page.url == refuse_page
        page.fill("#decision_comment_input", "期限不能再推迟,请加快进度")
        page.click("input[name=_refuse]")
        assert "已不批准延期" in page.inner_text(".messagelist")

        unit.goto(f"{url}/tasks/{world.czj_shared.pk}/")
        assert "期限不能再推迟,请加快进度" in unit.inner_text("ul.timeline:not(.comments)")

    browse(chromium, check)
    status = dict(ExtensionRequest.objects.values_list("reason", "status"))
    assert status == {"等待省级批复": "approved", "人手不足": "rejected"}
    world.czj_own.refresh_from_db()
    assert world.czj_own.due_date == asks[world.czj_own.pk][0]


@pytest.mark.django_db(transaction=True)
def test_bulletin_created_previewed_published_and_downloaded(
    live_server,
    chromium,  # noqa: F811
    world,
):
    from reporting.models import Bulletin

    url, plan_title = live_server.url, world.plan.title

    def check(new_page):
        page = new_page()
        admin_login(page, url, "coord")
        page.goto(f"{url}/admin/reporting/bulletin/add/")
        page.click("#id_plan + .select2 .select2-selection")  # the plan's autocomplete
        page.fill(".select2-search__field", plan_title[:4])
        page.locator(".select2-results__option", has_text=plan_title).click()
        page.fill("#id_title", "2026年上半年工作要点落实情况通报")
        page.fill("#id_number", "第 3 期")
        page.fill("#id_period_start", "2026-01-01")
        page.fill("#id_period_end", "2026-06-30")
        page.fill("#id_introduction", "现将上半年落实情况通报如下。")
        page.click("input[name=_continue]")
        page.wait_for_url(re.compile(r".*/admin/reporting/bulletin/\d+/change/$"))
        # the preview: the change page's figures
        figures = page.inner_text(".field-preview")
        assert "应办结 2 项" in figures and "市财政局" in figures
        assert "草稿" in page.inner_text("#bulletin-actions")

        page.once("dialog", lambda dialog: dialog.accept())
        page.click("input[name=_publish]")
        page.wait_for_selector("#bulletin-actions >> text=已发布")
        assert page.locator("input[name=_publish]").count() == 0
        for link, kind in (("#download-docx", DOCX), ("#download-xlsx", XLSX)):
            href = page.get_attribute(link, "href")
            response = page.request.get(f"{url}{href}")
            assert response.status == 200 and response.headers["content-type"] == kind

    browse(chromium, check)
    bulletin = Bulletin.objects.get()
    assert bulletin.status == "published" and bulletin.number == "第 3 期"


CONTROLS = """() => Array.from(document.querySelectorAll("input, button, select, textarea"))
  .filter(e => {
    const box = e.getBoundingClientRect(), style = getComputedStyle(e);
    return e.type !== "hidden" && style.display !== "none" && style.visibility !== "hidden"
      && box.width > 0 && box.height > 0;
  })
  .map(e => [e.name || e.id || e.type, Math.round(e.getBoundingClientRect().height)])"""


def phone_checks(page) -> list:
    """What a page gets wrong at a phone's size: a horizontal scroll, small controls."""
    problems = []
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        problems.append(("scrollWidth", width))
    controls = page.evaluate(CONTROLS)
    assert len(controls) >= 3  # the page's forms are there to be measured
    problems += [(name, height) for name, height in controls if height < 44]
    return problems


@pytest.mark.django_db(transaction=True)
def test_unit_pages_fit_a_phone_with_touch_sized_controls(
    live_server,
    chromium,  # noqa: F811
    world,
):
    from tasks_app.services import assignments as svc

    signed(world, world.czj_own)
    svc.report_create(user=world.czj, assignment_id=world.czj_own.pk, text="进展", progress=30)
    url, pk = live_server.url, world.czj_own.pk

    def check(new_page):
        page = new_page()
        unit_login(page, url, "czj")
        assert phone_checks(page) == []
        page.goto(f"{url}/tasks/{pk}/")
        assert page.locator("#report-form").count() == 1  # the report form is measured too
        assert phone_checks(page) == []

    browse(chromium, check, viewport=PHONE)


@pytest.mark.django_db(transaction=True)
def test_progress_going_down_asks_in_the_browser(
    live_server,
    chromium,  # noqa: F811
    world,
):
    from tasks_app.models import ProgressReport
    from tasks_app.services import assignments as svc

    signed(world, world.czj_own)
    svc.report_create(user=world.czj, assignment_id=world.czj_own.pk, text="进展", progress=60)
    url, pk = live_server.url, world.czj_own.pk

    def check(new_page):
        page = new_page()
        unit_login(page, url, "czj")
        page.goto(f"{url}/tasks/{pk}/")
        page.fill("#id_text", "重新核算")
        page.fill("#id_progress", "40")
        asked = []

        def dismiss(dialog):
            asked.append(dialog.message)
            dialog.dismiss()

        page.once("dialog", dismiss)
        page.click("#report-form button[type=submit]")
        assert asked and "60%" in asked[0] and "40%" in asked[0]
        assert page.url == f"{url}/tasks/{pk}/" and page.input_value("#id_progress") == "40"
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#report-form button[type=submit]")
        page.wait_for_selector(".messages >> text=进展已反馈")

    browse(chromium, check)
    assert list(
        ProgressReport.objects.filter(assignment=world.czj_own)
        .order_by("created_at")
        .values_list("progress", flat=True)
    ) == [60, 40]
