"""`{{ user|person }}` (a person's display name) and `{{ bytes|filesize }}` (312 KB, 4.2 MB)."""

from django import template

from core.people import display_name, size_text

register = template.Library()


@register.filter
def person(user) -> str:
    return display_name(user)


@register.filter
def filesize(size) -> str:
    return size_text(size)
