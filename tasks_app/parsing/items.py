"""Small helpers on one item's text, shared by the prose and the table readers."""

from __future__ import annotations

from tasks_app.parsing import clauses
from tasks_app.parsing.numbering import marker_at


def after_marker(piece: str) -> str:
    """The text of a piece after its item number."""
    text = piece.strip()
    found = marker_at(text, 0)
    return text[found.end :].strip() if found else text


def title_of(first: str) -> str:
    head = first.split("。", 1)[0]
    spans = clauses.find_clauses(head)[1]
    for start, end in sorted(spans, reverse=True):
        head = head[:start] + head[end:]
    return head.strip().rstrip(",;:、.")
