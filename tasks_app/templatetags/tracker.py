from django import template

from tasks_app import access
from tasks_app.models import Assignment, ExtensionRequest, ProgressReport
from tasks_app.selectors import today
from tasks_app.workdays import upcoming_year_warning

register = template.Library()


@register.inclusion_tag("admin/tasks_app/todo.html")
def coordinator_todo(user):
    """What waits for the coordinator: claims to review, extensions to decide, overdue items."""
    if not (user.is_superuser or access.is_regional(user)):
        return {"show": False}
    return {
        "show": True,
        "calendar_warning": upcoming_year_warning(today()),
        "reviews": access.reports_for_user(user)
        .filter(review_status=ProgressReport.Review.PENDING)
        .count(),
        "extensions": access.extension_requests_for_user(user)
        .filter(status=ExtensionRequest.Status.PENDING)
        .count(),
        "overdue": access.assignments_for_user(user)
        .exclude(state=Assignment.State.DONE)
        .filter(due_date__lt=today())
        .count(),
        "incoming": access.incoming_for_user(user).exclude(state=Assignment.State.DONE).count(),
    }
