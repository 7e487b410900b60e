"""`{{ value|minute }}` and `{{ value|day }}`: local time, as core.localtime writes it."""

from django import template

from core.localtime import date_text, minute_text

register = template.Library()


@register.filter
def minute(value):
    return minute_text(value) if value else ""


@register.filter
def day(value):
    return date_text(value) if value else ""
