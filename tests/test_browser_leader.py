"""A real browser (Debian's Chromium via Playwright) walks the admin as the demo's leader
(read only): the index, every change list it links to, one change page of each, and the
progress pages the index links to — and finds no control that would be refused: no add or
delete link, no button that posts (other than signing out), no action to choose."""

from __future__ import annotations

import re

import pytest

from tests.test_browser import ARGS, chromium  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# every visible control that would write: a submit in a POST form (signing out aside), an
# add or delete link, an action to choose from the change list's select
WRITE_CONTROLS_JS = """() => {
  const shown = (e) => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
  const found = [];
  const submits = 'input[type=submit], input[type=image], button:not([type]), button[type=submit]';
  for (const e of document.querySelectorAll(submits)) {
    const form = e.form;
    if (!form || !shown(e)) continue;
    if ((form.getAttribute('method') || 'get').toLowerCase() !== 'post') continue;
    if ((form.getAttribute('action') || '').endsWith('/logout/')) continue;
    found.push('submit: ' + (e.value || e.textContent).trim() + ' @ ' + form.action);
  }
  const links = 'a.addlink, a.deletelink, a[href$="/add/"], a[href$="/delete/"], ' +
    'a[href$="/password/"]';
  for (const a of document.querySelectorAll(links)) {
    if (shown(a)) found.push('link: ' + a.textContent.trim() + ' -> ' + a.href);
  }
  for (const o of document.querySelectorAll('select[name=action] option')) {
    if (o.value) found.push('action: ' + o.value);
  }
  if (/导入工作要点/.test(document.body.innerText)) found.push('text: 导入工作要点');
  return found;
}"""

CHANGELIST = re.compile(r"/admin/[a-z_]+/[a-z_]+/$")


@pytest.mark.django_db(transaction=True)
def test_the_leader_is_offered_no_write_control(live_server, chromium, settings, tmp_path):  # noqa: F811
    from playwright.sync_api import sync_playwright

    from tasks_app.demo import demo_load

    # the data first: once Playwright's event loop runs, Django refuses ORM calls here
    settings.VAR_DIR = tmp_path
    password = {login.username: login.password for login in demo_load()}["leader"]

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            visited = walk(page, live_server.url, password)
        finally:
            browser.close()
    # the walk reached the pages it should have
    assert any("/tasks_app/assignment/" in v for v in visited), visited
    assert any("/tasks_app/workplan/progress/" in v for v in visited), visited
    assert any(re.search(r"/tasks_app/assignment/\d+/change/", v) for v in visited), visited
    assert len([v for v in visited if CHANGELIST.search(v)]) >= 10, visited


def walk(page, url: str, password: str) -> list[str]:
    page.goto(f"{url}/admin/login/")
    page.fill("#id_username", "leader")
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"{url}/admin/")
    assert "不能修改任何内容" in page.inner_text("#leader-landing")
    visited = [check(page, f"{url}/admin/")]

    hrefs = page.eval_on_selector_all("#content a[href]", "as => as.map(a => a.href)")
    changelists = sorted({h.split("?")[0] for h in hrefs if CHANGELIST.search(h.split("?")[0])})
    landing = page.eval_on_selector_all("#leader-landing a[href]", "as => as.map(a => a.href)")
    for href in [*landing, *changelists]:
        visited.append(check(page, href))
        if not CHANGELIST.search(href) or "/workplan/progress/" in href:
            continue
        first = page.query_selector("#result_list tbody tr a[href*='/change/']")
        if first is not None:
            visited.append(check(page, first.get_attribute("href"), base=url))
    return visited


def check(page, href: str, base: str = "") -> str:
    if href.startswith("/"):
        href = base + href
    response = page.goto(href)
    assert response is not None and response.status == 200, (href, response and response.status)
    found = page.evaluate(WRITE_CONTROLS_JS)
    assert not found, (href, found)
    return href
