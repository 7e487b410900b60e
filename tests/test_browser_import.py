"""A coordinator imports a work-point text in a real browser (Debian's Chromium, headless,
driven by Playwright): uploads it, maps an unknown name through a suggestion, removes a unit
chip, confirms; the plan has exactly the assignments the page said it would create."""

import re

import pytest

from tests.test_browser import ARGS, chromium  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DOC = (
    "测试市2026年政务公开工作要点\n一、加强公开\n"
    "(一)公开财政预算。6月底前公开。(市财政局牵头,市审计局、市民政局负责落实)\n"
    "(二)公开统计数据。每月发布。(市统计局负责落实)\n"
)


@pytest.mark.django_db(transaction=True)
def test_upload_map_a_name_remove_a_chip_and_confirm(live_server, chromium, tmp_path):  # noqa: F811
    from playwright.sync_api import sync_playwright

    from regions.models import Region, Unit
    from regions.services import directory_load_taiyuan, user_upsert
    from tasks_app.models import Assignment, WorkPlan

    # the data first: once Playwright's event loop runs, Django refuses ORM calls here
    directory_load_taiyuan()
    region = Region.objects.get(code="140100")
    user_upsert(username="coord", password="pw-123456", role="coordinator", region=region)
    audit = Unit.objects.get(region=region, short_name="市审计局")
    env = Unit.objects.get(region=region, short_name="市环保局")
    source = tmp_path / "plan.txt"
    source.write_text(DOC, encoding="utf-8")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            shown = review_in_browser(page, live_server.url, region.pk, source, audit.pk, env.pk)
        finally:
            browser.close()

    plan = WorkPlan.objects.get()
    created = Assignment.objects.filter(task__plan=plan)
    assert created.count() == shown == 4
    assert sorted(
        created.filter(task__ref="一/(一)").values_list("unit__short_name", flat=True)
    ) == [
        "市审计局",
        "市财政局",
    ]
    second = created.filter(task__ref="一/(二)").values_list("unit_id", flat=True)
    assert sorted(second) == sorted([audit.pk, env.pk])


def review_in_browser(page, url: str, region_id: int, source, audit_id: int, env_id: int) -> int:
    page.goto(f"{url}/admin/login/")
    page.fill("#id_username", "coord")
    page.fill("#id_password", "pw-123456")
    page.click("input[type=submit]")
    page.wait_for_url(f"{url}/admin/")

    page.goto(f"{url}/admin/tasks_app/workplan/import/")
    page.select_option("#id_region", str(region_id))
    page.set_input_files("#id_file", str(source))
    with page.expect_navigation():
        page.click("input[type=submit]")
    assert "/import/" in page.url and "将创建" in page.inner_text("#import-total")

    # the table takes the page's width, not a narrow column
    width = page.locator("table.outline").bounding_box()["width"]
    assert width > 0.8 * page.viewport_size["width"] - 100

    # the full text opens in place
    details = page.locator("#row-1 details")
    assert not details.evaluate("d => d.open")
    details.locator("summary").click()
    assert "6月底前公开" in details.locator(".fulltext").inner_text()

    # map the unknown name through its first suggestion (a 局 of 太原市): saved at once
    row = page.locator("tr.needs-choice.unresolved", has_text="市统计局")
    suggestion = row.locator(f"input[type=radio][value='unit:{audit_id}']")
    assert suggestion.count() == 1
    with page.expect_navigation():
        # click, not check(): choosing submits the form, and check() would then wait for
        # this row (no longer unresolved once mapped) to show the radio ticked
        suggestion.click()
    mapped = page.locator("tr.needs-choice", has_text="市统计局")
    assert mapped.locator("input:checked").count() == 1
    assert "unresolved" not in mapped.get_attribute("class")

    # remove 市民政局's chip from (一)
    chip = page.locator("#row-1 li.chip", has_text="市民政局")
    with page.expect_navigation():
        chip.locator("button.chip-remove").click()
    assert page.locator("#row-1 li.chip", has_text="市民政局").count() == 0
    assert page.locator("#row-1 li.chip").count() == 2

    # add 市环保局 to (二) from the directory list; Enter saves (it does not press a chip's ×)
    add = page.locator("#row-2 input[list=unit-directory]")
    add.fill(f"市环保局 · 太原市 #{env_id}")
    with page.expect_navigation():
        add.press("Enter")
    assert page.locator("#row-2 li.chip").count() == 2
    assert page.locator("#row-1 li.chip").count() == 2

    total = int(re.search(r"将创建 (\d+) 个", page.inner_text("#import-total")).group(1))
    with page.expect_navigation():
        page.click("input[name=confirm]")
    assert "已创建" in page.inner_text("ul.messagelist")
    return total
