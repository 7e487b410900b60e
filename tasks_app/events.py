"""What happened to the work, announced for whoever needs to know.

The services announce each change once it is made, inside their transaction: `emit(name,
**facts)`. tasks_app knows nothing of who listens (notify connects its receiver when the app
is ready and turns each event into notices); a listener that fails rolls the change back,
so nothing happens untold. The names and their facts:

- "assigned": plan, assignments (new, with their task loaded), actor
- "claim_submitted": report, assignment, actor
- "claim_reviewed": report, assignment, accepted, comment, actor
- "extension_requested": request, assignment, actor
- "extension_decided": request, assignment, approved, comment, actor
- "due_changed": assignment, old, new, reason, actor
- "dues_changed": assignments (new due dates, task and plan loaded), reason, actor — a bulk
  调整期限 of several items
- "chased": assignments, message, actor
"""

from __future__ import annotations

from django.dispatch import Signal

happened = Signal()

NAMES = frozenset(
    {
        "assigned",
        "claim_submitted",
        "claim_reviewed",
        "extension_requested",
        "extension_decided",
        "due_changed",
        "dues_changed",
        "chased",
    }
)


def emit(name: str, **facts) -> None:
    if name not in NAMES:
        raise ValueError(f"unknown event {name!r}")
    happened.send(sender=None, name=name, **facts)
