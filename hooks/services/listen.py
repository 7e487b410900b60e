"""Events → webhook deliveries: the receivers on tasks_app's events and notify's signals.

Each event becomes one delivery per active endpoint of the plan's region subscribed to its
type (an import's hundreds of new assignments are one `assignment.created` listing them),
written in the event's transaction and queued to the outbox after its commit. Which event of
the work is which type:

- "assigned" → assignment.created
- "claim_submitted" → report.created and assignment.state_changed (to 待审核)
- "claim_reviewed" → assignment.state_changed (办结, or back to 办理中)
- "extension_decided" → extension.decided
- notify's `commented` → comment.created; `bulletin_published` → bulletin.published;
  `plan_published` (the public progress page published or refreshed) → plan.published

A plain progress report (no claim) and signing are not events of tasks_app, so they send
nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from hooks.models import Endpoint, EventType, WebhookDelivery
from notify.outbox import outbox_enqueue
from notify.signals import bulletin_published, commented, plan_published
from regions.models import Unit
from tasks_app.events import happened

# an assignment.created lists at most this many assignments (and says how many there were)
LISTED = 1000


def subscribed(region_id: int, event: str) -> list[Endpoint]:
    """The region's active endpoints that want `event` (one query; filtered here, so the
    embedded SQLite, which has no JSON containment, works too)."""
    return [
        e for e in Endpoint.objects.filter(region_id=region_id, active=True) if event in e.events
    ]


def deliveries_create(
    *, region_id: int, event: str, data: dict, endpoints: list[Endpoint] | None = None
) -> list[WebhookDelivery]:
    """One delivery of `event` per subscribed active endpoint of the region."""
    if endpoints is None:
        endpoints = subscribed(region_id, event)
    if not endpoints:
        return []
    payload = {"event": event, "occurred_at": timezone.now().isoformat(), "data": data}
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint=e, event=event, payload=payload) for e in endpoints
    )
    ids = [d.pk for d in deliveries]
    transaction.on_commit(lambda: outbox_enqueue("webhook", ids))
    return deliveries


def _actor(actor) -> dict | None:
    return None if actor is None else {"id": actor.pk, "username": actor.username}


def _assignment(assignment, units: dict[int, str] | None = None) -> dict:
    task = assignment.task
    unit = units.get(assignment.unit_id) if units is not None else str(assignment.unit)
    return {
        "id": assignment.pk,
        "plan": {"id": task.plan_id},
        "task": {"id": task.pk, "ref": task.ref, "title": task.title},
        "unit": {"id": assignment.unit_id, "name": unit},
        "role": assignment.role,
        "state": assignment.state,
        "progress": assignment.progress,
        "due_date": assignment.due_date.isoformat(),
    }


def _region(assignment) -> int:
    return assignment.task.plan.region_id


def assigned(*, plan, assignments, actor) -> None:
    if not assignments:
        return
    endpoints = subscribed(plan.region_id, EventType.ASSIGNMENT_CREATED)
    if not endpoints:  # nothing to build: an import's assignments are not listed in vain
        return
    listed = assignments[:LISTED]
    units = dict(
        Unit.objects.filter(pk__in={a.unit_id for a in listed}).values_list("pk", "short_name")
    )
    data = {
        "plan": {"id": plan.pk, "title": plan.title},
        "count": len(assignments),
        "assignments": [_assignment(a, units) for a in listed],
        "actor": _actor(actor),
    }
    deliveries_create(
        region_id=plan.region_id,
        event=EventType.ASSIGNMENT_CREATED,
        data=data,
        endpoints=endpoints,
    )


def _state_changed(assignment, actor, **extra) -> None:
    data = {"assignment": _assignment(assignment), "actor": _actor(actor), **extra}
    deliveries_create(
        region_id=_region(assignment), event=EventType.ASSIGNMENT_STATE_CHANGED, data=data
    )


def _report(report) -> dict:
    return {
        "id": report.pk,
        "kind": report.kind,
        "progress": report.progress,
        "text": report.text,
        "review_status": report.review_status,
        "created_at": report.created_at.isoformat(),
    }


def claim_submitted(*, report, assignment, actor) -> None:
    data = {"report": _report(report), "assignment": _assignment(assignment)}
    data["actor"] = _actor(actor)
    deliveries_create(region_id=_region(assignment), event=EventType.REPORT_CREATED, data=data)
    _state_changed(assignment, actor, report={"id": report.pk})


def claim_reviewed(*, report, assignment, accepted, comment, actor) -> None:
    _state_changed(
        assignment, actor, report={"id": report.pk, "accepted": accepted, "comment": comment}
    )


def extension_decided(*, request, assignment, approved, comment, actor) -> None:
    data = {
        "extension": {
            "id": request.pk,
            "approved": approved,
            "comment": comment,
            "previous_due_date": request.previous_due_date.isoformat(),
            "requested_due_date": request.requested_due_date.isoformat(),
        },
        "assignment": _assignment(assignment),
        "actor": _actor(actor),
    }
    deliveries_create(region_id=_region(assignment), event=EventType.EXTENSION_DECIDED, data=data)


HANDLERS = {
    "assigned": assigned,
    "claim_submitted": claim_submitted,
    "claim_reviewed": claim_reviewed,
    "extension_decided": extension_decided,
}


@receiver(happened, dispatch_uid="hooks.listen")
def listen(sender, name: str, signal=None, **facts) -> None:
    handler = HANDLERS.get(name)
    if handler is not None:
        handler(**facts)


@receiver(commented, dispatch_uid="hooks.commented")
def comment_created(sender, comment, signal=None, **kwargs) -> None:
    assignment = comment.assignment
    data = {
        "comment": {
            "id": comment.pk,
            "text": comment.text,
            "created_at": comment.created_at.isoformat(),
        },
        "assignment": _assignment(assignment),
        "actor": _actor(comment.author),
    }
    deliveries_create(region_id=_region(assignment), event=EventType.COMMENT_CREATED, data=data)


@receiver(bulletin_published, dispatch_uid="hooks.bulletin_published")
def bulletin_created(sender, bulletin, signal=None, **kwargs) -> None:
    data = {
        "bulletin": {
            "id": bulletin.pk,
            "title": bulletin.title,
            "number": bulletin.number,
            "period_start": bulletin.period_start.isoformat(),
            "period_end": bulletin.period_end.isoformat(),
            "published_at": bulletin.published_at.isoformat(),
        },
        "plan": {"id": bulletin.plan_id, "title": bulletin.plan.title},
    }
    deliveries_create(
        region_id=bulletin.plan.region_id, event=EventType.BULLETIN_PUBLISHED, data=data
    )


@receiver(plan_published, dispatch_uid="hooks.plan_published")
def plan_made_public(sender, page, signal=None, **kwargs) -> None:
    plan = page.plan
    data = {
        "plan": {"id": plan.pk, "title": plan.title},
        "public_url": settings.SITE_URL.rstrip("/") + f"/public/{page.token}/",
        "published_at": page.published_at.isoformat(),
    }
    deliveries_create(region_id=plan.region_id, event=EventType.PLAN_PUBLISHED, data=data)
