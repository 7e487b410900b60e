from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from tasks_app import apis as task_apis
from tasks_app import views as task_views

urlpatterns = [
    path("", task_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/workplans/parse/", task_apis.WorkPlanParseApi.as_view(), name="api-workplan-parse"),
    path("admin/", admin.site.urls),
]
# Uploaded files (evidence, imported documents) are never served from MEDIA_URL: only
# through views that check who may see them.
