"""Reads of plans, tasks and assignments."""

from django.db.models import Count

from regions.models import Unit
from tasks_app.models import Assignment


def unit_assignment_counts(*, unit: Unit) -> dict[str, int]:
    """How many of the unit's assignments are in each state, in one query."""
    rows = Assignment.objects.filter(unit=unit).values("state").annotate(n=Count("id"))
    counts = dict.fromkeys(Assignment.State.values, 0)
    counts.update({row["state"]: row["n"] for row in rows})
    return counts
