"""Every table page prints: its print stylesheet hides the admin's chrome, the filters and
the links, repeats each table's head (with the page's title and the day of the figures, in
a row shown only on paper) on every sheet and does not split rows. Chromium prints no
@page margin boxes, hence the title inside the table head."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from reporting.table_exports import day_label
from reporting.views_tables import TABLE_PAGES
from tests.test_table_exports import (
    busy,  # noqa: F401 (the fixture)
    table_page_urls,
)

PRINT_RULES = [
    "@media print",
    "#header",
    ".breadcrumbs",
    "#nav-sidebar",
    ".progress-filters",
    ".export-link",
    "thead { display: table-header-group; }",
    "break-inside: avoid",
    ".table-section ~ .table-section { break-before: page;",
    ".print-caption { display: table-row; }",
]


@pytest.mark.parametrize("name", TABLE_PAGES)
def test_table_page_has_print_css_and_a_title_and_date_in_each_table_head(client, busy, name):  # noqa: F811
    client.force_login(busy.coordinator)
    page = client.get(table_page_urls(busy)[name]).content.decode()
    style = re.search(r"<style>\s*/\* The table pages on paper.*?</style>", page, re.S)
    assert style, "the print stylesheet"
    assert [rule for rule in PRINT_RULES if rule not in style.group()] == []
    title = re.search(r"<title>(.*?) \|", page).group(1)
    heads = re.findall(
        r'<table[^>]*class="[^"]*export-table[^"]*">\s*<thead>(.*?)</thead>', page, re.S
    )
    assert heads
    for head in heads:
        caption = re.search(r'<tr class="print-caption"><th colspan="\d+">(.*?)</th></tr>', head)
        assert caption, head
        assert title in caption.group(1)
        assert f"数据截至 {day_label(timezone.localdate())}" in caption.group(1)


def test_assessment_starts_each_table_on_a_new_sheet(client, busy):  # noqa: F811
    client.force_login(busy.coordinator)
    page = client.get(table_page_urls(busy)["tasks_app_assessment"]).content.decode()
    assert page.count('<h2 class="table-section">') == 2


def test_every_progress_template_with_a_table_is_a_table_page():
    """A new page with a table under progress/ prints and exports like the others (and its
    route joins TABLE_PAGES, which the tests above go through)."""
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "templates/admin/tasks_app/progress"
    partials = {p.name: p.read_text() for p in folder.glob("_*.html")}
    with_tables = []
    for path in sorted(folder.glob("[!_]*.html")):
        text = path.read_text()
        included = "".join(body for name, body in partials.items() if name in text)
        if "<table" not in text + included:
            continue
        with_tables.append(path.name)
        assert "_print.html" in text, path.name
        assert "_export.html" in text + included and "export-table" in text + included, path.name
    assert len(with_tables) == len(TABLE_PAGES), with_tables
