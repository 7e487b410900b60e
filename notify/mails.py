"""The reminder and digest mails: how each row becomes a message, as outbox kinds.

While a completion claim waits for review (待审核) the unit is not chased; a reminder whose
assignment has changed since the sweep (done, reassigned, extended) is cancelled, not sent.
Each level is reminded of its own plans: a unit per the plan that gave it the item (a city's
government of the province's item, the city's units of its child plan), and a coordinator's
daily summary leaves out the lower governments' child plans, which it only reads.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from core.localtime import chinese_date_text, local_date
from notify.models import Digest, Reminder
from notify.outbox import (
    MailRenderer,
    Outgoing,
    TrackedRows,
    outbox_send,
    register,
    site_link,
    templated_mail,
)
from regions.selectors import (
    escalation_mail_recipients_many,
    region_subtree_q,
    unit_mail_recipients_many,
)
from tasks_app.access import unmanaged_plans_q
from tasks_app.models import Assignment, Role
from tasks_app.selectors import assignments_with_status
from tasks_app.workdays import workdays_between

Kind = Reminder.Kind
State = Assignment.State
# nothing to chase the unit for: done, or its completion claim waits for review
WAITING_OR_DONE = (State.DONE, State.SUBMITTED)
# the id reversed once a chunk and replaced in each mail's link
LINK_SLOT = 987654321
# what differs between one task's reminders to several units, printed as it is by the
# reminder templates (never tested): filled into a mail rendered once (MailRenderer)
PERSONAL = ("addressee", "unit_name", "role", "state", "progress", "due_text", "due_iso", "link")
# a digest lists the first DIGEST_LISTED items of each list; the totals count them all
DIGEST_LISTED = 500


def why_not_send(reminder: Reminder) -> str:
    """Why a recorded reminder should no longer go out ("" if it should)."""
    assignment = reminder.assignment
    if assignment.state == State.DONE:
        return "已办结"
    if assignment.state == State.SUBMITTED:
        return "待审核"
    if assignment.unit_id != reminder.unit_id:
        return "已改派"
    if assignment.due_date != reminder.due_date:
        return "期限已调整"
    return ""


class ReminderMail(TrackedRows):
    name = "reminder"
    model = Reminder
    cancel_reason_field = "cancel_reason"
    related = ("assignment__task__plan", "assignment__unit")
    deferred = ("assignment__task__text", "assignment__task__plan__source_text")

    def prepare(self, reminders: list[Reminder]) -> None:
        escalations = [r for r in reminders if r.kind == Kind.ESCALATION]
        self.units = unit_mail_recipients_many(
            r.assignment.unit_id for r in reminders if r.kind != Kind.ESCALATION
        )
        self.escalations = escalation_mail_recipients_many(
            (r.assignment.unit_id, r.assignment.task.plan.region_id) for r in escalations
        )
        # labels and the link's shape once a chunk, not once a mail
        self.labels = {
            "kind": {k: str(label) for k, label in Kind.choices},
            "role": {k: str(label) for k, label in Role.choices},
            "state": {k: str(label) for k, label in State.choices},
        }
        self.link = site_link("assignment_detail", LINK_SLOT)
        # a chunk is mostly one task's reminders to many units: rendered once per task
        self.renderer = MailRenderer("reminder", PERSONAL)

    def build(self, reminder: Reminder) -> Outgoing | str:
        assignment = reminder.assignment
        plan = assignment.task.plan
        reason = why_not_send(reminder)
        if reason:
            return reason
        if reminder.kind == Kind.ESCALATION:
            to = self.escalations[(assignment.unit_id, plan.region_id)]
        else:
            to = self.units[assignment.unit_id]
        if not to:
            return "无收件人"
        # the mail speaks of the day it was due to go out (today, unless retried late)
        days = workdays_between(reminder.scheduled_for, assignment.due_date)
        unit, task, labels = assignment.unit, assignment.task, self.labels
        context = {  # plain values: the templates look nothing up
            "kind": labels["kind"][reminder.kind],
            "kind_code": reminder.kind,
            "addressee": unit.full_name or unit.short_name,
            "unit_name": str(unit),
            "role": labels["role"].get(assignment.role, assignment.role),
            "state": labels["state"][assignment.state],
            "progress": assignment.progress,
            "plan_title": plan.title,
            "task_ref": task.ref,
            "task_title": task.title,
            "due_text": chinese_date_text(assignment.due_date),
            "due_iso": assignment.due_date.isoformat(),
            "workdays_left": days,
            "workdays_overdue": -days,
            "link": self.link.replace(str(LINK_SLOT), str(assignment.pk)),
        }
        return Outgoing(
            self.renderer.mail(context, to),
            region_id=plan.region_id,
            kind=reminder.kind,
            log={"reminder": reminder},
        )


class DigestMail(TrackedRows):
    """A unit's weekly digest or a coordinator's daily overdue summary, as of `today`."""

    name = "digest"
    model = Digest
    related = ("unit__region", "user__region")
    deferred = ()

    def __init__(self, today: dt.date | None = None) -> None:
        self.today = today

    def prepare(self, digests: list[Digest]) -> None:
        self.units = unit_mail_recipients_many(
            (d.unit_id for d in digests if d.unit_id is not None), digest=True
        )

    def build(self, digest: Digest) -> Outgoing | str:
        today = self.today or timezone.localdate()
        if digest.kind == Digest.Kind.UNIT_WEEKLY:
            items = unit_to_do(Assignment.objects.filter(unit_id=digest.unit_id))
            claims = Assignment.objects.none()
            to = self.units[digest.unit_id]
            region_id, template = digest.unit.region_id, "unit_digest"
        else:
            user = digest.user
            # the plans the coordinator runs: not a lower government's child plan (分解方案),
            # whose claims and overdue items are its own coordinators' (the upper level reads it)
            mine = Assignment.objects.filter(
                region_subtree_q(user.region, prefix="task__plan__region__"),
                task__plan__status="active",
            ).exclude(unmanaged_plans_q(user, "task__plan__"))
            items = (
                assignments_with_status(mine, on=today)
                .filter(is_overdue=True)
                .select_related("task__plan", "unit")
                .order_by("due_date", "task__position")
            )
            claims = (
                mine.filter(state=State.SUBMITTED)
                .select_related("task__plan", "unit")
                .order_by("submitted_at")
            )
            to = [user.email] if user.receives_digests and user.email else []
            region_id, template = user.region_id, "coordinator_digest"
        total, claims_total = items.count(), claims.count()
        items, claims = list(items[:DIGEST_LISTED]), list(claims[:DIGEST_LISTED])
        if not (items or claims) or not to:
            return "无内容或无收件人"
        for item in items:
            item.workdays_left = workdays_between(today, item.due_date)
            item.workdays_overdue = -item.workdays_left
            item.link = site_link("assignment_detail", item.pk)
        review = (
            settings.SITE_URL.rstrip("/")
            + reverse("admin:tasks_app_progressreport_changelist")
            + "?review_status__exact=pending"
        )
        for claim in claims:
            claim.waited = workdays_between(local_date(claim.submitted_at), today)
            claim.link = review
        context = {
            "digest": digest,
            "items": items,
            "total": total,
            "claims": claims,
            "claims_total": claims_total,
            "today": today,
            "link": site_link("my_tasks"),
        }
        return Outgoing(
            templated_mail(template, context, to),
            region_id=region_id,
            kind=digest.kind,
            log={"digest": digest},
        )


register(ReminderMail())
register(DigestMail())


def reminders_send(reminder_ids: list[int]) -> list[int]:
    """Send each reminder once; returns the ids whose sending failed (to retry)."""
    return outbox_send("reminder", reminder_ids)


def digests_send(digest_ids: list[int], *, today: dt.date | None = None) -> list[int]:
    return outbox_send(DigestMail(today), digest_ids)


def unit_to_do(queryset: QuerySet[Assignment]) -> QuerySet[Assignment]:
    """What a unit still has to do, most urgent first (a claim waiting for review is not)."""
    return (
        queryset.exclude(state__in=WAITING_OR_DONE)
        .filter(task__plan__status="active")
        .select_related("task__plan", "unit")
        .order_by("due_date", "task__position")
    )
