"""A real browser (Debian's Chromium, headless, Playwright): the coordinator publishes the
demo plan's progress from its admin page; an anonymous visitor with JavaScript switched off
opens the public page on a phone-sized screen, reads the table, and scrolls no wider than
the screen (the table scrolls in its own box)."""

import pytest

from tests.test_browser import ARGS, chromium  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_an_anonymous_phone_without_javascript_reads_the_public_page(
    live_server,
    chromium,  # noqa: F811 (the fixture)
    settings,
    tmp_path,
):
    from playwright.sync_api import sync_playwright

    from tasks_app.demo import demo_load
    from tasks_app.models import WorkPlan

    # the data first: once Playwright's event loop runs, Django refuses ORM calls here
    settings.VAR_DIR = tmp_path
    password = {login.username: login.password for login in demo_load()}["coordinator"]
    plan = WorkPlan.objects.get(region__code="990100", parent_assignment__isnull=True)
    url = live_server.url

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            admin = browser.new_page(viewport={"width": 1300, "height": 900})
            public_url = publish(admin, url, password, plan.pk)
            assert public_url.startswith(f"{url}/public/")

            phone = browser.new_context(
                java_script_enabled=False, viewport={"width": 390, "height": 844}
            ).new_page()
            response = phone.goto(public_url)
            assert response.status == 200
            assert response.headers["cache-control"] == "public, max-age=300"
            assert phone.locator("h1").inner_text() == plan.title
            assert phone.locator("table#tasks caption").count() == 1
            assert phone.locator("table#tasks tbody tr").count() >= 5
            assert "责任单位" in phone.inner_text("table#tasks thead")
            page_width = phone.evaluate("document.documentElement.scrollWidth")
            assert page_width <= 390, page_width  # no horizontal scroll of the page
            box = phone.locator(".table-wrap").bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390
            table = phone.evaluate("document.querySelector('#tasks').scrollWidth")
            assert table > 390  # the wide table scrolls inside its box instead
            assert phone.evaluate("document.scripts.length") == 0

            gone = phone.goto(public_url.replace("/public/", "/public/x"))
            assert gone.status == 404
        finally:
            browser.close()


def publish(page, url: str, password: str, plan_id: int) -> str:
    page.goto(f"{url}/admin/login/")
    page.fill("#id_username", "coordinator")
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"{url}/admin/")
    page.goto(f"{url}/admin/tasks_app/workplan/{plan_id}/change/")
    page.click("#public-plan button:has-text('公开进展')")
    page.wait_for_selector("#public-url")
    return page.input_value("#public-url")
