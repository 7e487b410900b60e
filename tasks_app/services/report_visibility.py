"""Which reports' text the public page (政务公开) may show: a coordinator marks accepted
completion reports public; the text appears at the plan's next publishing."""

from __future__ import annotations

from django.db import transaction

from regions.models import User
from tasks_app.access import plan_is_managed_by, reports_for_user, require_coordinator
from tasks_app.models import ProgressReport


@transaction.atomic
def reports_set_public(*, user: User, report_ids: list[int], public: bool) -> tuple[int, list[str]]:
    """Mark (or unmark) reports public; only accepted ones may be. Returns how many changed
    and, for each refused one, why."""
    require_coordinator(user)
    changed, problems = 0, []
    reports = (
        reports_for_user(user)
        .filter(pk__in=report_ids)
        .select_related("assignment__task__plan", "assignment__unit")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    for report in reports:
        if not plan_is_managed_by(user, report.assignment.task.plan):
            problems.append(f"{report.assignment}:属于下级政府的分解方案,由其协调员办理。")
            continue
        if public and report.review_status != ProgressReport.Review.ACCEPTED:
            problems.append(f"{report.assignment}:只有已通过的办结申请可以公开。")
            continue
        if report.is_public == public:
            continue
        report.is_public = public
        report._history_user = user
        report.save(update_fields=["is_public", "updated_at"])
        changed += 1
    return changed, problems
