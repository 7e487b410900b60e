"""The big tables of the progress pages, the filters' drop-downs and the assignment list's
checkboxes are formatted in Python (reporting.rendering) rather than through a template per
value: each gives exactly the markup the template gave, kept here as the reference."""

import datetime as dt
import re

import pytest
from django import forms
from django.contrib import admin
from django.template import Context, Template
from django.utils import timezone

from regions.models import Region
from reporting.progress import Cell, Matrix, ProgressFilters, overdue_list, plan_matrix
from reporting.rendering import (
    OVERDUE_COLUMNS,
    FastSelect,
    LabelOnlyChoices,
    matrix_rows,
    matrix_table,
    overdue_rows,
)
from reporting.views import ProgressForm
from tasks_app.models import Assignment, Task
from tasks_app.workdays import workdays_between

MATRIX_CELLS = Template(
    '{% for c in cells %}<td>{% if c %}{% if c.assignment_id %}<a href="{% url '
    '\'assignment_detail\' c.assignment_id %}" title="{{ c.progress }}%"><span class="dot '
    '{{ c.light }}"></span> {{ c.progress }}%</a>{% else %}<span title="办结 {{ c.done }}/'
    '{{ c.total }},逾期 {{ c.overdue }}"><span class="dot {{ c.light }}"></span> {{ c.done }}/'
    "{{ c.total }}</span>{% endif %}{% endif %}</td>{% endfor %}"
)
OVERDUE_ROWS = Template(
    "{% for a in items %}\n  <tr><td>{{ a.unit }}</td><td><a href=\"{% url 'assignment_detail' "
    'a.pk %}">{{ a.task.ref }} {{ a.task.title|truncatechars:40 }}</a></td><td>{{ a.due_date'
    '|date:"Y-m-d" }}</td><td>{{ a.workdays_overdue }}</td><td>{{ a.get_state_display }}</td>'
    '<td>{{ a.last_report_at|date:"Y-m-d"|default:"未反馈" }}</td></tr>\n  {% endfor %}'
)


def test_matrix_cells_are_the_templates_cells():
    cells = [
        None,
        Cell(1, 0, 1, 0, 0, 40, 123),  # one assignment: a link with its progress
        Cell(30, 30, 0, 0, 0, 100, None),  # a county's 30: done / total
        Cell(3, 1, 0, 2, 1, 33, None),
        Cell(2, 0, 0, 0, 2, 0, None),
        Cell(5, 2, 0, 0, 0, 71, None),
    ]
    matrix = Matrix(columns=[], rows=[("task", cells)], column_totals=[])
    [(task, html)] = matrix_rows(matrix)
    assert task == "task"
    assert html == MATRIX_CELLS.render(Context({"cells": cells}))


def test_matrix_page_cells_match_the_template_on_real_data(world):
    matrix = plan_matrix(
        user=world.coordinator, plan_id=world.plan.pk, region=world.region, by="unit"
    )
    for (_task, html), (_t, cells) in zip(matrix_rows(matrix), matrix.rows, strict=True):
        assert html == MATRIX_CELLS.render(Context({"cells": cells}))


MATRIX_TABLE = Template(  # the matrix page's table as its template wrote it
    "<thead><tr><th>任务</th>{% for key, name in matrix.columns %}<th>{{ name }}</th>"
    "{% endfor %}</tr></thead>\n  <tbody>\n  {% for task, cells in rows %}\n    <tr><td "
    'class="task">{{ task.ref }} {{ task.title|truncatechars:24 }}</td>\n      {{ cells }}'
    "</tr>\n  {% endfor %}\n  </tbody>\n  <tfoot><tr><th>办结 / 交办</th>{% for t in "
    "matrix.column_totals %}<th>{{ t.done }}/{{ t.total }}</th>{% endfor %}</tr></tfoot>"
)


@pytest.mark.parametrize("by", ["county", "unit"])
def test_matrix_table_is_the_templates_table(world, by):
    titles = ["短", "标" * 24, "长" * 25, "a<b & \"c\" 'd'", "e\u0301" * 30]
    for n, title in enumerate(titles):
        task = Task.objects.create(
            plan=world.plan, ref=f"八/<{n}>", title=title, due_date=dt.date(2026, 3, 1), position=n
        )
        Assignment.objects.create(task=task, unit=world.county_unit, due_date=task.due_date)
    Region.objects.filter(pk=world.county_unit.region_id).update(name="<小店> & 区")
    matrix = plan_matrix(user=world.coordinator, plan_id=world.plan.pk, region=world.region, by=by)
    table = matrix_table(matrix)
    expected = MATRIX_TABLE.render(Context({"matrix": matrix, "rows": matrix_rows(matrix)}))
    assert len(matrix.rows) > len(titles)
    assert (
        f"<thead><tr><th>任务</th>{table['head']}</tr></thead>\n  <tbody>\n  {table['body']}\n"
        f"  </tbody>\n  <tfoot><tr><th>办结 / 交办</th>{table['foot']}</tr></tfoot>"
    ) == expected


@pytest.fixture
def overdue_items(world):
    """Overdue items with long and marked-up titles, reports either side of local midnight."""
    titles = ["短", "标" * 40, "长" * 41, "a<b & \"c\" 'd'", "e\u0301" * 30]
    tasks = Task.objects.bulk_create(
        [
            Task(
                plan=world.plan, ref=f"七/<{n}>", title=t, due_date=dt.date(2026, 3, 1), position=n
            )
            for n, t in enumerate(titles)
        ]
    )
    reports = [None, dt.datetime(2026, 3, 1, 16, 30, tzinfo=dt.UTC)]  # 00:30 on 03-02 local
    Assignment.objects.bulk_create(
        [
            Assignment(
                task=t,
                unit=world.county_unit,
                due_date=t.due_date,
                state="in_progress",
                signed_at=timezone.now(),
                last_report_at=reports[n % 2],
            )
            for n, t in enumerate(tasks)
        ]
    )
    return world


def test_overdue_rows_are_the_templates_rows(overdue_items):
    world, on = overdue_items, dt.date(2026, 11, 20)
    listed = overdue_list(user=world.coordinator, filters=ProgressFilters(), on=on)
    models = list(listed)
    for a in models:
        a.workdays_overdue = -workdays_between(on, a.due_date)
    rows = list(listed.values_list(*OVERDUE_COLUMNS, named=True))
    assert len(rows) >= 5
    assert overdue_rows(rows, on=on) == OVERDUE_ROWS.render(Context({"items": models}))


def _django_select(field: forms.Field) -> forms.Select:
    widget = forms.Select(attrs=field.widget.attrs)
    widget.choices = field.choices
    return widget


@pytest.mark.parametrize("value", [None, "", "1", "2", "999"])
def test_fast_select_is_djangos_select(value):
    choices = [("", "全部"), (1, "一 & <二>"), (2, '"三"'), (3, "四's")]
    fast, plain = (
        FastSelect(attrs={"id": "id_x", "required": True}),
        forms.Select(attrs={"id": "id_x", "required": True}),
    )
    fast.choices = plain.choices = choices
    assert fast.render("x", value) == plain.render("x", value)
    grouped = [("组一", [(1, "甲"), (2, "乙")]), (3, "丙")]
    fast.choices = plain.choices = grouped  # groups: Django's own rendering
    assert fast.render("x", "2") == plain.render("x", "2")


def test_progress_form_drop_downs_are_djangos(world, django_assert_num_queries):
    Region.objects.create(
        code="140199", name="<新区> & 开发区", level="county", parent=world.region
    )
    for data in ({}, {"region": str(world.region.pk), "plan": str(world.plan.pk)}):
        form = ProgressForm(data, user=world.coordinator)
        assert form.is_valid(), form.errors
        for name in ("region", "plan"):
            field = form.fields[name]
            assert isinstance(field.widget, FastSelect)
            assert isinstance(field.iterator(field), LabelOnlyChoices)
            with django_assert_num_queries(1):  # the choices; no count of them
                fast = str(form[name])
            form.fields[name].widget = _django_select(field)
            assert fast == str(form[name])


def test_assignment_list_checkbox_is_djangos(world):
    model_admin = admin.site._registry[Assignment]
    for assignment in Assignment.objects.select_related("task", "unit"):
        assignment.task.ref = f'一/"<&>"{assignment.pk}'  # marked up: escaped the same way
        expected = admin.ModelAdmin.action_checkbox(model_admin, assignment)
        assert model_admin.action_checkbox(assignment) == expected


def _page(client, url: str) -> str:
    html = client.get(url).content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


@pytest.mark.parametrize(
    "query",
    ["", "?state=assigned&o=3.-8", "?flag=overdue&o=-2", "?q=%E5%B1%80", "?unit__kind=department"],
)
def test_assignment_list_rows_are_djangos(client, world, monkeypatch, query):
    """The assignment list's rows (core.admin_rows) against Django's {% result_list %}:
    the whole page, byte for byte, with filters kept in the links, escaping, empty values."""
    import core.admin_rows

    task = Task.objects.filter(plan=world.plan).first()
    Task.objects.filter(pk=task.pk).update(title='<b>"标题" & 事项</b>')
    Assignment.objects.filter(pk=world.czj_own.pk).update(
        last_report_at=timezone.now(), progress=35, returns=1
    )
    client.force_login(world.coordinator)
    url = f"/admin/tasks_app/assignment/{query}"
    made, fast_rows = [], core.admin_rows.fast_rows
    monkeypatch.setattr(
        core.admin_rows, "fast_rows", lambda cl: made.append(fast_rows(cl)) or made[-1]
    )
    fast = _page(client, url)
    assert made[0] is not None and len(made[0]) > 1  # made here, not by Django
    model_admin = admin.site._registry[Assignment]
    monkeypatch.setattr(model_admin, "change_list_template", "admin/change_list.html")
    assert fast == _page(client, url)
