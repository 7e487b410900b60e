"""Refs made unique: one place for prose, flattened and spreadsheet tables alike."""

from __future__ import annotations


def unique_refs(tasks: list[dict]) -> list[dict]:
    """Every ref once: a number repeated under the same parent becomes `3~2` (with a warning),
    and the items under it follow it, so each child still names the parent before it."""
    seen: set[str] = set()
    latest: dict[str, str] = {}  # ref as numbered -> ref given, for the last item so numbered
    for task in tasks:
        written = task["ref"]
        parent, _, last = written.rpartition("/")
        ref = f"{latest[parent]}/{last}" if parent in latest else written
        if ref in seen:
            base, n = ref, 2
            while ref in seen:
                ref, n = f"{base}~{n}", n + 1
            task["warnings"] = [*(task.get("warnings") or []), f"编号“{last}”重复,已记为“{ref}”"]
        seen.add(ref)
        latest[written] = ref
        task["ref"] = ref
    return tasks
