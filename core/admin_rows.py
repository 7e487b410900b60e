"""A change list's rows formatted column by column: the markup of Django's
`items_for_result`, without its per-cell work (a field lookup, a format_html, an escape of
every lazy string, a reverse() for every row's link). The assignment list shows 100 rows of
9 columns on every page; through Django each cell cost ~0.1 ms, two thirds of the page's
Python. Tests compare the two on real rows.

Used through `{% fast_result_list cl %}` (core/templatetags/admin_rows.py) in a model's
change_list.html; popups, editable lists and `to_field` go to Django's own.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable

from django.contrib.admin.templatetags.admin_list import (
    ResultList,
    items_for_result,
    result_list,
)
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import display_for_field, display_for_value, lookup_field
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.urls import NoReverseMatch
from django.utils.safestring import mark_safe

_MARKER = 2**31 - 1


def esc(text) -> str:
    """What format_html does to a value (conditional_escape), without its lazy wrapper."""
    return text.__html__() if hasattr(text, "__html__") else html.escape(str(text))


def _class_name(name, index: int) -> str:
    """The column's name in its class, as Django's admin_list gives it."""
    if callable(name):
        return f"lambda{index}" if name.__name__ == "<lambda>" else name.__name__
    return name


def _link(cl) -> tuple[str, str] | None:
    """The change page's address for a row, split around its pk (with the list's filters
    preserved, escaped), from one reverse(); None when a pk is not a plain number."""
    if cl.lookup_opts.pk.get_internal_type() not in ("AutoField", "BigAutoField"):
        return None
    probe = cl.model(pk=_MARKER)
    try:
        url = cl.url_for_result(probe)
    except NoReverseMatch:
        return None
    url = add_preserved_filters({"preserved_filters": cl.preserved_filters, "opts": cl.opts}, url)
    parts = esc(url).split(str(_MARKER))
    return (parts[0], parts[1]) if len(parts) == 2 else None


def _column(cl, index: int, name, link: tuple[str, str] | None, first: bool):
    """How one column's cell is made from a row: a function of the row. Django's decisions
    that depend on the column alone are taken here, once."""
    model_admin = cl.model_admin
    empty = model_admin.get_empty_value_display()
    classes = f"field-{_class_name(name, index)}"
    opts = cl.lookup_opts
    try:
        field = opts.get_field(name) if isinstance(name, str) else None
    except FieldDoesNotExist:
        field = None
    if field is not None and not (field.concrete and field.name == name and not field.auto_created):
        return None  # relations' other sides, "<fk>_id", the pk: Django's own
    if field is not None and field.is_relation and not field.many_to_one:
        return None  # one-to-one, many-to-many: Django's own
    if field is None:
        if name == "action_checkbox":
            classes = "action-checkbox"

        def value_text(row) -> tuple[str, bool]:
            _f, attr, value = lookup_field(name, row, model_admin)
            if isinstance(value, str) and value.strip() == "":
                value = ""
            shown = getattr(attr, "empty_value_display", empty)
            boolean = getattr(attr, "boolean", False)
            if isinstance(attr, property) and hasattr(attr, "fget"):
                boolean = getattr(attr.fget, "boolean", False)
            nowrap = isinstance(value, dt.date | dt.time)
            return esc(display_for_value(value, shown, boolean)), nowrap

    elif field.many_to_one:
        classes += " nowrap"
        attname = field.name

        def value_text(row) -> tuple[str, bool]:
            related = getattr(row, attname)
            return esc(empty if related is None else related), False

    else:
        if isinstance(field, models.DateField | models.TimeField):
            classes += " nowrap"
        attname = field.attname
        known: dict = {}  # choices, numbers, days repeat: each value formatted once

        def shown(value) -> str:
            return esc(display_for_field(value, field, empty, avoid_link=link is not None))

        def value_text(row) -> tuple[str, bool]:
            value = getattr(row, attname)
            if isinstance(value, str) and value.strip() == "":
                value = ""
            try:
                text = known.get(value)
            except TypeError:  # unhashable
                return shown(value), False
            if text is None:
                text = known[value] = shown(value)
            return text, False

    tag = "th" if link is not None and first else "td"
    pk = opts.pk.attname

    def cell(row) -> str:
        text, nowrap = value_text(row)
        attrs = f' class="{classes} nowrap"' if nowrap else f' class="{classes}"'
        if link is not None:
            text = f'<a href="{link[0]}{getattr(row, pk)}{link[1]}">{text}</a>'
        return f"<{tag}{attrs}>{text}</{tag}>"

    return cell


def fast_rows(cl) -> list[ResultList] | None:
    """Each row of `cl` as one string of cells, or None where Django's own must make them."""
    if cl.formset or cl.is_popup or cl.to_field or cl.list_display_links is None:
        return None
    link = _link(cl)
    if link is None:
        return None
    links = cl.list_display_links or [cl.list_display[0]]
    columns: list[Callable] = []
    first = True
    for index, name in enumerate(cl.list_display):
        linked = name in links
        column = _column(cl, index, name, link if linked else None, first)
        if column is None:
            return None
        first = first and not linked
        columns.append(column)
    rows = []
    for row in cl.result_list:
        try:
            cells = "".join([column(row) for column in columns])
        except ObjectDoesNotExist:  # a related row gone: Django says so its own way
            cells = "".join(items_for_result(cl, row, None))
        rows.append(ResultList(None, [mark_safe(cells)]))
    return rows


def fast_result_list(cl) -> dict:
    """`result_list(cl)`'s context, its rows made by `fast_rows` where it can."""
    rows = fast_rows(cl)
    if rows is None:
        return result_list(cl)
    cl_result_list, cl.result_list = cl.result_list, []  # headers etc. without the rows
    try:
        context = result_list(cl)
    finally:
        cl.result_list = cl_result_list
    context["results"] = rows
    return context
