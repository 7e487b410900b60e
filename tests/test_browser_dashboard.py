"""A real browser (Debian's Chromium, headless, driven by Playwright) opens the 督办驾驶舱
with the demo data: the chart is drawn with its points, and on a phone (390 × 844) the
cards stack without a horizontal scroll."""

import pytest

from tests.test_browser import ARGS, chromium  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_dashboard_renders_chart_and_fits_a_phone(live_server, chromium, settings, tmp_path):  # noqa: F811
    from playwright.sync_api import sync_playwright

    from tasks_app.demo import demo_load
    from tasks_app.models import WorkPlan

    # the data first: once Playwright's event loop runs, Django refuses ORM calls here
    settings.VAR_DIR = tmp_path
    password = {login.username: login.password for login in demo_load()}["leader"]
    plan = WorkPlan.objects.get(region__code="990100", parent_assignment__isnull=True)
    url = live_server.url

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.goto(f"{url}/admin/login/")
            page.fill("#id_username", "leader")
            page.fill("#id_password", password)
            page.click("input[type=submit]")
            page.wait_for_url(f"{url}/admin/")
            page.click("text=督办驾驶舱")  # the admin index links it

            # a wall screen: the figures, the chart with a point per week, the ranking
            assert plan.title in page.title()
            assert page.locator("#dash-chart").is_visible()
            assert page.locator("#dash-chart polyline").count() == 2
            points = page.locator("#dash-chart circle.point.done")
            assert points.count() >= 1
            assert points.first.get_attribute("cy") not in (None, "")
            assert page.locator("#dash-counties tbody tr").count() >= 1
            assert page.locator("#dash-completion").inner_text().split("%")[0].isdigit()

            # a phone: the cards stack, nothing wider than the screen
            page.set_viewport_size({"width": 390, "height": 844})
            page.reload()
            assert page.locator("#dash-chart").is_visible()
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= 390, f"the page is {wide}px wide on a 390px screen"
            boxes = [
                page.locator(".dash-card").nth(i).bounding_box()
                for i in range(page.locator(".dash-card").count())
            ]
            assert len(boxes) == 6
            assert all(b["x"] + b["width"] <= 390 for b in boxes)
            assert len({round(b["x"]) for b in boxes}) == 1  # one column
        finally:
            browser.close()
