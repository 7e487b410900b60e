"""The 各地进展 page printed by a real Chromium (Debian's, headless): under print media the
admin's header, breadcrumbs, sidebar, filters and export link are gone, the title row of the
table shows, and page.pdf() gives a PDF."""

import pytest

from tests.test_browser import (
    ARGS,
    chromium,  # noqa: F401 (the fixture)
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HIDDEN = ["#header", ".breadcrumbs", "#nav-sidebar", ".progress-filters", ".export-link"]


@pytest.mark.django_db(transaction=True)
def test_region_progress_prints_without_the_admin_chrome(live_server, chromium, settings, tmp_path):  # noqa: F811
    from playwright.sync_api import sync_playwright

    from tasks_app.demo import demo_load

    settings.VAR_DIR = tmp_path
    password = {login.username: login.password for login in demo_load()}["coordinator"]

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.goto(f"{live_server.url}/admin/login/")
            page.fill("#id_username", "coordinator")
            page.fill("#id_password", password)
            page.click("input[type=submit]")
            page.wait_for_url(f"{live_server.url}/admin/")
            page.goto(f"{live_server.url}/admin/tasks_app/workplan/progress/")

            def display(selector: str) -> str:
                return page.eval_on_selector(selector, "e => getComputedStyle(e).display")

            assert display("#header") != "none" and display(".print-caption") == "none"
            page.emulate_media(media="print")
            assert {s: display(s) for s in HIDDEN} == dict.fromkeys(HIDDEN, "none")
            assert display(".print-caption") == "table-row"
            assert display("#progress-table thead") == "table-header-group"
            assert "数据截至" in page.inner_text(".print-caption")
            pdf = page.pdf(format="A4", landscape=True)
        finally:
            browser.close()
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000
