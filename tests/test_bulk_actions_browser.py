"""A real browser runs 批量改派 from the assignment list: ticks two rows, picks the action,
finds the target unit with the confirmation page's autocomplete, gives a reason, applies."""

import pytest

from tests.test_browser import ARGS, chromium  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _pick(coordinator):
    """Two open items of two tasks of the coordinator's region, and a unit that holds
    neither task."""
    from tasks_app.access import assignments_for_user, units_for_user
    from tasks_app.models import Assignment, ExtensionRequest

    open_items = (
        assignments_for_user(coordinator)
        .filter(state__in=[Assignment.State.ASSIGNED, Assignment.State.IN_PROGRESS])
        .exclude(extension_requests__status=ExtensionRequest.Status.PENDING)
        .order_by("pk")
    )
    first = open_items.first()
    items = [first, open_items.exclude(task=first.task_id).first()]
    held = Assignment.objects.filter(task__in=[a.task_id for a in items]).values("unit")
    target = units_for_user(coordinator).exclude(pk__in=held).order_by("pk").first()
    return items, target


@pytest.mark.django_db(transaction=True)
def test_bulk_reassign_through_the_autocomplete(live_server, chromium, settings, tmp_path):  # noqa: F811
    from playwright.sync_api import sync_playwright

    from regions.models import User
    from tasks_app.demo import demo_load
    from tasks_app.models import Assignment

    # the data first: once Playwright's event loop runs, Django refuses ORM calls here
    settings.VAR_DIR = tmp_path
    password = {login.username: login.password for login in demo_load()}["coordinator"]
    items, target = _pick(User.objects.get(username="coordinator"))
    ids = ",".join(str(a.pk) for a in items)
    url = live_server.url

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.goto(f"{url}/admin/login/")
            page.fill("#id_username", "coordinator")
            page.fill("#id_password", password)
            page.click("input[type=submit]")
            page.wait_for_url(f"{url}/admin/")
            page.goto(f"{url}/admin/tasks_app/assignment/?id__in={ids}")
            for item in items:
                page.check(f'input.action-select[value="{item.pk}"]')
            page.select_option("select[name=action]", "reassign_selected")
            page.click("button[name=index]")
            page.wait_for_selector("text=共 2 项")
            page.click(".select2-selection")
            page.fill(".select2-search__field", target.short_name)
            page.click(f'.select2-results__option:text-is("{target.short_name}")')
            page.fill("#id_reason", "职能调整")
            page.click("input[type=submit][value=改派]")
            page.wait_for_selector("text=改派:2 项。")
        finally:
            browser.close()

    for item in items:
        item.refresh_from_db()
        assert item.unit_id == target.pk and item.state == Assignment.State.ASSIGNED
