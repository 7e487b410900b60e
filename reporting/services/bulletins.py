"""Bulletins (通报): figures for a period from the tracked data; draft → published (frozen);
a draft each month. Its documents are in `reporting.documents`, its mails in
`reporting.mails`."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from core.errors import ApplicationError, NotFoundError
from core.localtime import date_text
from core.queue import queue_task
from notify.signals import bulletin_published
from regions.models import Unit, User
from regions.selectors import OWN_UNITS_ROW, child_regions_in_order, unit_order
from reporting.models import Bulletin, BulletinDelivery
from reporting.progress import FIGURE_FLAGS, FIGURES, Row, child_region_of
from tasks_app.access import plans_for_user, require_coordinator, require_plan_manager
from tasks_app.cascade import child_progress_many
from tasks_app.models import Assignment, WorkPlan
from tasks_app.selectors import assignments_with_status, overdue_q, today
from tasks_app.workdays import workdays_between

# The overdue items a bulletin lists; the figures still count every one of them.
OVERDUE_LISTED = 500


def _rows(grouped, key: str, names: dict) -> list[dict]:
    """Ranked; equal ones in official order (the order of `names`)."""
    place = {k: i for i, k in enumerate(names)}
    rows = [
        Row(key=r[key], name=names.get(r[key], OWN_UNITS_ROW), **{n: r[n] for n in FIGURES})
        for r in grouped
    ]
    ranked = sorted(
        rows,
        key=lambda r: (-r.completion_rate, -r.on_time_rate, r.overdue, place.get(r.key, -1)),
    )
    return [{**r.as_dict(), "rank": i} for i, r in enumerate(ranked, start=1)]


def lower_levels(plan: WorkPlan, on: dt.date) -> list[dict]:
    """下级分解落实情况: each item of the plan given to a lower government that has decomposed
    it into a child plan of its own, with that plan's completion as of `on` (done of total,
    mean progress, overdue items), whatever the item's due date; in the plan's order, then
    the directory's. Three queries for any number of items, one when there is none."""
    parents = list(
        Assignment.objects.filter(task__plan=plan, child_plan__isnull=False)
        .select_related("unit", "task")
        .only("unit__short_name", "task__ref", "task__title")
        .order_by("task__position", *unit_order("unit__"), "id")
    )
    children = child_progress_many([a.pk for a in parents], on=on)
    return [
        {
            "government": a.unit.short_name,
            "ref": a.task.ref,
            "title": a.task.title,
            "plan": child.title,
            "done": child.done,
            "total": child.total,
            "progress": child.progress,
            "overdue": child.overdue,
        }
        for a in parents
        if (child := children.get(a.pk)) is not None
    ]


def bulletin_figures(
    *, plan: WorkPlan, start: dt.date, end: dt.date, on: dt.date | None = None
) -> dict:
    """Each county's and unit's figures for assignments due in [start, end], ranked; the
    items overdue at the end of the period; who did well and who lagged. Only the plan's
    own assignments count: a lower government's child plan (分解方案) is the lower level's
    bulletin's; here it is the section `lower` (`lower_levels`), one line per item given to
    that government."""
    on = on or min(end, today())
    due = assignments_with_status(
        Assignment.objects.filter(task__plan=plan, due_date__gte=start, due_date__lte=end),
        on=on,
        flags=FIGURE_FLAGS,
    )
    counties = _rows(
        due.annotate(child=child_region_of(plan.region))
        .filter(child__isnull=False)
        .values("child")
        .annotate(**FIGURES)
        .order_by(),
        "child",
        child_regions_in_order(plan.region),
    )
    units = _rows(
        due.filter(unit__region=plan.region).values("unit_id").annotate(**FIGURES).order_by(),
        "unit_id",
        dict(
            Unit.objects.filter(region=plan.region)
            .order_by(*unit_order())
            .values_list("pk", "short_name")
        ),
    )
    overdue_items = (  # the overdue condition itself, and only the fields listed
        Assignment.objects.filter(task__plan=plan, due_date__lte=end)
        .filter(overdue_q(on))
        .select_related("unit", "task")
        .only("due_date", "last_report_at", "unit__short_name", "task__ref", "task__title")
        .order_by("due_date", *unit_order("unit__"), "id")
    )
    overdue = [
        {
            "unit": a.unit.short_name,
            "ref": a.task.ref,
            "title": a.task.title,
            "due_date": a.due_date.isoformat(),
            "workdays_overdue": -workdays_between(on, a.due_date),
            "last_report": date_text(a.last_report_at),
        }
        for a in overdue_items[:OVERDUE_LISTED]
    ]
    overdue_total = overdue_items.count()  # counted: the list stops at OVERDUE_LISTED
    everyone = [r for r in counties + units if r["assignments"]]
    did_well = [
        r["name"]
        for r in everyone
        if r["done"] == r["assignments"] and r["done_on_time"] == r["done"]
    ]
    lagged = [r["name"] for r in sorted(everyone, key=lambda r: -r["overdue"]) if r["overdue"]]
    total = sum(r["assignments"] for r in counties + units)
    done = sum(r["done"] for r in counties + units)
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "as_of": on.isoformat(),
        "totals": {"assignments": total, "done": done, "overdue": overdue_total},
        "counties": counties,
        "units": units,
        "overdue": overdue,
        "did_well": did_well[:10],
        "lagged": lagged[:10],
        "lower": lower_levels(plan, on),
    }


def bulletin_units(bulletin: Bulletin) -> QuerySet[Unit]:
    """The units a bulletin goes to once published: those with assignments in its plan (a
    semi-join, not a DISTINCT over the plan's assignments)."""
    return Unit.objects.filter(
        Exists(Assignment.objects.filter(unit=OuterRef("pk"), task__plan=bulletin.plan_id))
    )


def bulletin_current_figures(bulletin: Bulletin) -> dict:
    """Frozen once published; live while a draft."""
    if bulletin.status == Bulletin.Status.PUBLISHED:
        return bulletin.figures
    return bulletin_figures(
        plan=bulletin.plan, start=bulletin.period_start, end=bulletin.period_end
    )


@transaction.atomic
def bulletin_create(
    *,
    user: User | None,
    plan: WorkPlan,
    start: dt.date,
    end: dt.date,
    title: str = "",
    number: str = "",
    introduction: str = "",
    conclusion: str = "",
) -> Bulletin:
    if user is not None:
        require_coordinator(user)
        if not plans_for_user(user).filter(pk=plan.pk).exists():
            raise NotFoundError("工作要点不存在。")
        require_plan_manager(user, plan)  # a lower government reports on its own child plan
    if end < start:
        raise ApplicationError("统计止日不能早于起日。")
    bulletin = Bulletin(
        plan=plan,
        period_start=start,
        period_end=end,
        number=number,
        title=title
        or f"关于{plan.title}落实情况的通报({start:%Y年%-m月%-d日}—{end:%Y年%-m月%-d日})",
        introduction=introduction,
        conclusion=conclusion,
    )
    try:
        with transaction.atomic():
            bulletin.save()
    except IntegrityError as exc:
        raise ApplicationError("该工作要点在这一期间已有通报。") from exc
    return bulletin


@transaction.atomic(durable=True)  # top level: on_commit fires at the real commit
def bulletin_publish(*, user: User, bulletin_id: int, enqueue: bool = True) -> Bulletin:
    require_coordinator(user)
    bulletin = (
        Bulletin.objects.select_for_update()
        .filter(pk=bulletin_id, plan__in=plans_for_user(user))
        .select_related("plan__region")
        .first()
    )
    if bulletin is None:
        raise NotFoundError("通报不存在。")
    require_plan_manager(user, bulletin.plan)
    if bulletin.status == Bulletin.Status.PUBLISHED:
        raise ApplicationError("该通报已发布。")
    bulletin.figures = bulletin_figures(
        plan=bulletin.plan, start=bulletin.period_start, end=bulletin.period_end
    )
    bulletin.status = Bulletin.Status.PUBLISHED
    bulletin.published_at, bulletin.published_by = timezone.now(), user
    bulletin._history_user = user
    bulletin.save()
    units = Unit.objects.filter(assignments__task__plan=bulletin.plan).distinct()
    BulletinDelivery.objects.bulk_create(
        [BulletinDelivery(bulletin=bulletin, unit=u) for u in units], ignore_conflicts=True
    )
    if enqueue:
        transaction.on_commit(lambda: queue_task("tasks_app.tasks.bulletin_send_task", bulletin.pk))
    bulletin_published.send(sender=Bulletin, bulletin=bulletin)
    return bulletin


def bulletins_draft_monthly(*, on: dt.date | None = None) -> list[Bulletin]:
    """At the start of a month, a draft for last month for every active plan (once)."""
    on = on or today()
    first = on.replace(day=1)
    end = first - dt.timedelta(days=1)
    start = end.replace(day=1)
    drafts = []
    for plan in WorkPlan.objects.filter(status=WorkPlan.Status.ACTIVE).filter(
        Q(period_start__lte=end) & Q(period_end__gte=start)
    ):
        if Bulletin.objects.filter(plan=plan, period_start=start, period_end=end).exists():
            continue
        drafts.append(
            bulletin_create(
                user=None,
                plan=plan,
                start=start,
                end=end,
                title=f"关于{plan.title}{end.year}年{end.month}月落实情况的通报",
            )
        )
    return drafts


# --- documents ------------------------------------------------------------------------------
