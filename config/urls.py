from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.health import health
from config.moved import MOVED_ADMIN_PATH, moved_admin
from notify import apis as notify_apis
from notify import views as notify_views
from regions import views as region_views
from reporting import apis as reporting_apis
from reporting import public_views
from tasks_app import apis as task_apis
from tasks_app import views as task_views

urlpatterns = [
    path("", task_views.home, name="home"),
    path("tasks/", task_views.my_tasks, name="my_tasks"),
    path("tasks/<int:assignment_id>/", task_views.assignment_detail, name="assignment_detail"),
    path("tasks/<int:assignment_id>/sign/", task_views.assignment_sign, name="assignment_sign"),
    path(
        "tasks/<int:assignment_id>/report/", task_views.assignment_report, name="assignment_report"
    ),
    path(
        "tasks/<int:assignment_id>/extension/",
        task_views.assignment_extension,
        name="assignment_extension",
    ),
    path("tasks/<int:assignment_id>/comments/", notify_views.comment_post, name="comment_post"),
    path("evidence/<int:evidence_id>/", task_views.evidence_download, name="evidence_download"),
    path("account/digests/", task_views.digest_preference, name="digest_preference"),
    path("notifications/", notify_views.notification_list, name="notifications"),
    path(
        "notifications/settings/",
        notify_views.notification_settings,
        name="notification_settings",
    ),
    path(
        "notifications/<int:notification_id>/",
        notify_views.notification_go,
        name="notification_go",
    ),
    path(
        "notifications/read-all/",
        notify_views.notification_read_all,
        name="notifications_read_all",
    ),
    # the public page of a plan (政务公开): anonymous, by an opaque token
    path("public/<str:token>/", public_views.public_plan_page, name="public_plan"),
    path("public/<str:token>.json", public_views.public_plan_json, name="public_plan_json"),
    path("invite/<str:token>/", region_views.invitation_accept_view, name="invitation_accept"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/workplans/parse/", task_apis.WorkPlanParseApi.as_view(), name="api-workplan-parse"),
    path("api/assignments/", task_apis.AssignmentListApi.as_view(), name="api-assignments"),
    path("api/incoming/", task_apis.IncomingListApi.as_view(), name="api-incoming"),
    path(
        "api/assignments/<int:assignment_id>/",
        task_apis.AssignmentDetailApi.as_view(),
        name="api-assignment",
    ),
    path(
        "api/assignments/<int:assignment_id>/sign/",
        task_apis.AssignmentSignApi.as_view(),
        name="api-assignment-sign",
    ),
    path(
        "api/assignments/<int:assignment_id>/reports/",
        task_apis.ReportCreateApi.as_view(),
        name="api-assignment-reports",
    ),
    path(
        "api/assignments/<int:assignment_id>/extension-requests/",
        task_apis.ExtensionCreateApi.as_view(),
        name="api-assignment-extensions",
    ),
    path(
        "api/assignments/<int:assignment_id>/comments/",
        notify_apis.AssignmentCommentsApi.as_view(),
        name="api-assignment-comments",
    ),
    path("api/reports/", task_apis.ReportListApi.as_view(), name="api-reports"),
    path(
        "api/reports/<int:report_id>/review/",
        task_apis.ReportReviewApi.as_view(),
        name="api-report-review",
    ),
    path("api/extension-requests/", task_apis.ExtensionListApi.as_view(), name="api-extensions"),
    path(
        "api/extension-requests/<int:request_id>/decide/",
        task_apis.ExtensionDecideApi.as_view(),
        name="api-extension-decide",
    ),
    path(
        "api/progress/regions/",
        reporting_apis.RegionProgressApi.as_view(),
        name="api-progress-regions",
    ),
    path(
        "api/progress/units/", reporting_apis.UnitProgressApi.as_view(), name="api-progress-units"
    ),
    path(
        "api/progress/tasks/", reporting_apis.TaskProgressApi.as_view(), name="api-progress-tasks"
    ),
    path("api/progress/overdue/", reporting_apis.OverdueApi.as_view(), name="api-progress-overdue"),
    path(
        "api/progress/matrix/<int:plan_id>/",
        reporting_apis.MatrixApi.as_view(),
        name="api-progress-matrix",
    ),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # the admin pages of models that moved out of tasks_app (bookmarks, links in old mails)
    re_path(
        MOVED_ADMIN_PATH,
        moved_admin,
    ),
    path("admin/", admin.site.urls),
    path("healthz", health, name="health"),
]

# Uploaded files (evidence, imported documents) are never served from MEDIA_URL: only
# through views that check who may see them.
