"""Query parameters are validated like any input: by a form (pages) or a serializer (API).

A bad value answers 400 with what was wrong — never a 500, never silently ignored. Ids are
bounded before they reach the database: a 30-digit "id" is a bad value, not an overflow.
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from rest_framework import serializers

ID_MAX = 2**63 - 1  # the largest id a 64-bit primary key holds (PostgreSQL and SQLite)


def posted_next(request: HttpRequest, default: str = "") -> str:
    """The page a form says to return to (its POSTed `next`) when it is on this site, else
    `default`: never a redirect elsewhere."""
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    return default


def is_id(value) -> bool:
    text = str(value)
    return text.isdigit() and 0 < int(text) <= ID_MAX


class ModelChoiceField(forms.ModelChoiceField):
    """Django's ModelChoiceField that refuses a value that cannot be an id before asking the
    database (which would overflow on a 30-digit number)."""

    def to_python(self, value):
        if value not in self.empty_values and not is_id(value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class IdParam(serializers.IntegerField):
    """An object id in an API query: a positive 64-bit integer."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)


def query_form(
    form_class: type[forms.Form], request: HttpRequest, *, defaults: dict | None = None, **kwargs
) -> forms.Form:
    """The page's query parameters, bound and validated (every field is optional, so an
    empty query is valid; `defaults` fill parameters that are absent). When `form.errors`,
    answer `bad_query(request, form)`."""
    data = request.GET
    if defaults:
        data = data.copy()
        for key, value in defaults.items():
            data.setdefault(key, value)
    form = form_class(data, **kwargs)
    form.is_valid()
    return form


def bad_query(request: HttpRequest, form: forms.Form) -> HttpResponse:
    """400: the page's parameters are wrong; say which and how, and offer the page without."""
    errors = [
        (form.fields[name].label if name in form.fields else "", "；".join(messages))
        for name, messages in form.errors.items()
    ]
    admin = request.path.startswith("/admin/")
    return render(
        request,
        "bad_query.html",
        {
            "errors": errors,
            "base": "admin/base_site.html" if admin else "base.html",
            "back": request.path,
            "title": "请求参数有误",
        },
        status=400,
    )
