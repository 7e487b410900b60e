"""How a person and a file's size are shown: one rule for every page, mail and admin list."""

from __future__ import annotations

PERSON_FIELDS = ("id", "username", "first_name", "last_name")
"""The columns display_name reads: for `.only(...)` of a queryset of users shown by name."""


def display_name(user) -> str:
    """A person's name (get_full_name(): the name as entered, which this site keeps in
    last_name), else their login name; "" for nobody."""
    if user is None:
        return ""
    return (user.get_full_name() or "").strip() or user.get_username()


def size_text(size: int | None) -> str:
    """A file's size as people read it: 312 KB, 4.2 MB (not 319488 bytes)."""
    if size is None:
        return ""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    unit, scale = ("MB", 1024**2) if size < 1024**3 else ("GB", 1024**3)
    return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
