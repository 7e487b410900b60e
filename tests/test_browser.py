"""A real browser (Debian's Chromium, headless, driven by Playwright) opens the per-county
page and the matrix with the demo data, and finds the chart and the tables filled."""

import os
import shutil

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def chromium() -> str:
    if not CHROMIUM:
        if os.environ.get("CI"):
            pytest.fail("CI must have Chromium (.ci/run installs it)")
        pytest.skip("Chromium is not installed (apt-get install chromium); CI installs it")
    return CHROMIUM


@pytest.mark.django_db(transaction=True)
def test_matrix_and_county_pages_show_chart_and_tables(live_server, chromium, settings, tmp_path):
    from playwright.sync_api import sync_playwright

    from tasks_app.demo import demo_load
    from tasks_app.models import WorkPlan

    # the data first: once Playwright's event loop runs, Django refuses ORM calls here
    settings.VAR_DIR = tmp_path
    password = {login.username: login.password for login in demo_load()}["coordinator"]
    plan_id = WorkPlan.objects.get(region__code="990100", parent_assignment__isnull=True).pk

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            check_pages(page, live_server.url, password, plan_id)
        finally:
            browser.close()


def check_pages(page, url: str, password: str, plan_id: int) -> None:
    page.goto(f"{url}/admin/login/")
    page.fill("#id_username", "coordinator")
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"{url}/admin/")

    page.goto(f"{url}/admin/tasks_app/workplan/progress/")
    assert page.locator("#progress-table tbody tr").count() >= 6  # 云川市's six counties …
    assert "云湖区" in page.inner_text("#progress-table")
    assert page.locator("#progress-chart rect").count() >= 6
    assert page.locator("#progress-chart").bounding_box()["height"] > 100  # drawn, not empty

    page.goto(f"{url}/admin/tasks_app/workplan/{plan_id}/matrix/")
    header = page.inner_text("#matrix thead")
    assert "云湖区" in header and "梅岭市" in header
    assert page.locator("#matrix tbody .dot").count() >= 6
    assert page.locator("#matrix tbody tr").count() >= 5
