"""The big parts of the progress pages, as HTML built in Python: the matrix's cells, the
overdue list's rows, and the filters' drop-downs.

A national plan's matrix has ~10,000 cells by county (and one per assignment by unit), the
overdue list shows up to 1,000 items and the region filter offers ~3,000 regions: through
the template engine every value is a lookup, a localisation and an escape (every option of a
drop-down a template of its own), and rendering took seconds. Here each is string
formatting, every text escaped, giving exactly the markup the templates gave.
"""

from __future__ import annotations

import datetime as dt
import html
import unicodedata

from django import forms
from django.forms.models import ModelChoiceIterator, ModelChoiceIteratorValue
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from tasks_app.models import Assignment
from tasks_app.workdays import workdays_between

_MARKER = 2**31 - 1


def esc(text) -> str:
    """What the templates' autoescape gives (conditional_escape), without its lazy wrapper."""
    return text.__html__() if hasattr(text, "__html__") else html.escape(str(text))


_STATES = {value: str(label) for value, label in Assignment.State.choices}


def _detail_link() -> tuple[str, str]:
    """The assignment page's address, split around its id (reversed once, escaped once)."""
    before, after = reverse("assignment_detail", args=[_MARKER]).split(str(_MARKER))
    return esc(before), esc(after)


def _truncated(text: str, length: int) -> str:
    """What the `truncatechars` filter gives (a short text is only NFC-normalised)."""
    if len(text) <= length:
        return unicodedata.normalize("NFC", text)
    return Truncator(text).chars(length)


def matrix_rows(matrix) -> list[tuple[object, SafeString]]:
    """Each task of a `reporting.progress.Matrix` with its row of cells. Cells hold numbers
    and a light's name only."""
    before, after = _detail_link()

    def cell(c) -> str:
        if c is None:
            return "<td></td>"
        if c.assignment_id:
            return (
                f'<td><a href="{before}{c.assignment_id}{after}" title="{c.progress}%">'
                f'<span class="dot {c.light}"></span> {c.progress}%</a></td>'
            )
        return (
            f'<td><span title="办结 {c.done}/{c.total},逾期 {c.overdue}">'
            f'<span class="dot {c.light}"></span> {c.done}/{c.total}</span></td>'
        )

    return [(task, mark_safe("".join(map(cell, cells)))) for task, cells in matrix.rows]


def matrix_table(matrix, *, select: str = "") -> dict[str, SafeString]:
    """The matrix table's header cells (column names: with `select`, each with a checkbox of
    that form's), its rows (task, then its cells) and its footer cells (done / total per
    column)."""
    if select:
        head = "".join(
            f'<th><label><input type="checkbox" name="column" value="{key}" form="{select}">'
            f"{esc(name)}</label></th>"
            for key, name in matrix.columns
        )
    else:
        head = "".join(f"<th>{esc(name)}</th>" for _key, name in matrix.columns)
    body = "".join(
        f'\n    <tr><td class="task">{esc(task.ref)} {esc(_truncated(task.title, 24))}</td>'
        f"\n      {cells}</tr>\n  "
        for task, cells in matrix_rows(matrix)
    )
    foot = "".join(f"<th>{t.done}/{t.total}</th>" for t in matrix.column_totals)
    return {"head": mark_safe(head), "body": mark_safe(body), "foot": mark_safe(foot)}


# what `overdue_rows` reads of each item (values_list(..., named=True) of `overdue_list`)
OVERDUE_COLUMNS = (
    "id",
    "unit__short_name",
    "task__ref",
    "task__title",
    "due_date",
    "state",
    "last_report_at",
)


def overdue_rows(items, *, on: dt.date, select: str = "") -> SafeString:
    """The overdue list's rows: unit, item (linked), due date, working days overdue on `on`,
    state, local day of the last report; with `select`, first a checkbox of that form's."""
    before, after = _detail_link()
    zone = timezone.get_current_timezone()
    item_cells: dict[tuple[str, str], str] = {}  # a task's text, once per task
    due_cells: dict[dt.date, str] = {}  # a due date and its working days overdue, once each
    rows = []
    for a in items:
        item = item_cells.get(key := (a.task__ref, a.task__title))
        if item is None:
            item = item_cells[key] = f"{esc(a.task__ref)} {esc(_truncated(a.task__title, 40))}"
        due = due_cells.get(a.due_date)
        if due is None:
            overdue = -workdays_between(on, a.due_date)
            due = due_cells[a.due_date] = f"<td>{a.due_date.isoformat()}</td><td>{overdue}</td>"
        last = a.last_report_at.astimezone(zone).date().isoformat() if a.last_report_at else ""
        tick = (
            f'<td><input type="checkbox" name="_selected_action" value="{a.id}"'
            f' form="{select}" aria-label="选择"></td>'
            if select
            else ""
        )
        rows.append(
            f"\n  <tr>{tick}<td>{esc(a.unit__short_name)}</td>"
            f'<td><a href="{before}{a.id}{after}">{item}</a></td>{due}'
            f"<td>{esc(_STATES.get(a.state, a.state))}</td><td>{last or '未反馈'}</td></tr>\n  "
        )
    return mark_safe("".join(rows))


def _attrs(attrs: dict) -> str:
    """What django/forms/widgets/attrs.html gives."""
    return "".join(
        f" {esc(name)}" if value is True else f' {esc(name)}="{esc(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


class LabelOnlyChoices(ModelChoiceIterator):
    """A model choice field's choices read as (id, label) pairs, not whole rows: ~3,000
    regions in a few milliseconds. The field's `label_field` must be the column the model's
    __str__ shows (the label Django would give)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        rows = self.queryset.values_list("pk", self.field.label_field)
        for pk, label in rows:
            yield ModelChoiceIteratorValue(pk, None), label


class FastSelect(forms.Select):
    """Django's Select, rendered in Python instead of a template per option: the same markup
    (tests compare the two). Option groups and multiple choice go to Django's own."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        choices = list(iter(self.choices))  # iter(): no len(), which would count in SQL
        if self.allow_multiple_selected or any(isinstance(c, list | tuple) for _v, c in choices):
            return super().render(name, value, attrs, renderer)
        wanted = self.format_value(value)
        out = [f'<select name="{esc(name)}"{_attrs(self.build_attrs(self.attrs, attrs))}>']
        chosen = False
        for option_value, label in choices:
            option_value = "" if option_value is None else str(option_value)
            selected = not chosen and option_value in wanted
            chosen |= selected
            out.append(
                f'\n  <option value="{esc(option_value)}"{" selected" if selected else ""}>'
                f"{esc(label)}</option>\n"  # the option template ends with a line end
            )
        out.append("\n</select>")
        return mark_safe("".join(out))
