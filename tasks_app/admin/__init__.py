"""The admin of plans and their life cycle, by concern (plans, assignments, reports, jobs,
calendar), and the import pages, registered with the admin site."""

from django.contrib import admin

from tasks_app import admin_views, cascade_views
from tasks_app.admin import assignments, calendar, jobs, plans, reports  # noqa: F401
from tasks_app.models import WorkPlan

admin.site.register_page(
    "tasks_app/workplan/import/",
    admin_views.import_start_view,
    name="tasks_app_workplan_import",
    model=WorkPlan,
)
admin.site.register_page(
    "tasks_app/workplan/import/<int:job_id>/",
    admin_views.import_review_view,
    name="tasks_app_workplan_import_review",
    model=WorkPlan,
)
admin.site.register_page(
    "tasks_app/incoming/",
    cascade_views.incoming_view,
    name="tasks_app_incoming",
    model=WorkPlan,
)
admin.site.register_page(
    "tasks_app/incoming/<int:assignment_id>/decompose/",
    cascade_views.decompose_view,
    name="tasks_app_incoming_decompose",
    model=WorkPlan,
)
admin.site.register_page(
    "tasks_app/incoming/<int:assignment_id>/claim/",
    cascade_views.claim_view,
    name="tasks_app_incoming_claim",
    model=WorkPlan,
)
