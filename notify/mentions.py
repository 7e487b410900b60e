"""@mentions in a comment's text: `@` and then a participant's display name or username.

Chinese runs on without spaces ("@张三请核实"), so a mention is the longest known name the
text continues with after the `@`; an `@` before no known name stays plain text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from core.people import display_name


def _matches(text: str, names: Iterable[str]) -> list[tuple[int, str]]:
    """(position of the `@`, name) of each mention of one of `names`, left to right."""
    ordered = sorted({n for n in names if n}, key=len, reverse=True)
    found, i = [], text.find("@")
    while i != -1:
        name = next((n for n in ordered if text.startswith(n, i + 1)), None)
        if name is None:
            i = text.find("@", i + 1)
        else:
            found.append((i, name))
            i = text.find("@", i + 1 + len(name))
    return found


def mentioned(text: str, people: Mapping[str, list]) -> list:
    """The people mentioned in `text`, each once; `people` maps each name to whoever has it."""
    seen: dict[int, object] = {}
    for _, name in _matches(text, people):
        for person in people[name]:
            seen.setdefault(person.pk, person)
    return list(seen.values())


def segments(text: str, names: Iterable[str]) -> list[tuple[str, bool]]:
    """The text cut into (piece, is_mention) for display; a mention piece includes its `@`."""
    parts, start = [], 0
    for at, name in _matches(text, names):
        if at > start:
            parts.append((text[start:at], False))
        parts.append((text[at : at + 1 + len(name)], True))
        start = at + 1 + len(name)
    if start < len(text):
        parts.append((text[start:], False))
    return parts


def names_of(user) -> tuple[str, ...]:
    return (display_name(user), user.username)
