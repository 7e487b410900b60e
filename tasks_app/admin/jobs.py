"""Admin of import jobs (the pages of an import are in tasks_app.admin_views)."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import (
    ScopedAdmin,
)
from tasks_app import access, admin_views
from tasks_app.models import (
    ImportJob,
)


@admin.register(ImportJob)
class ImportJobAdmin(ScopedAdmin):
    list_display = ["__str__", "region", "status", "progress", "plan", "created_by", "created_at"]
    list_filter = ["status", "region"]
    search_fields = ["source_name"]
    list_select_related = ["region", "plan", "created_by"]
    fields = ["source_name", "region", "status", "progress", "error", "plan", "review_link"]
    readonly_fields = fields

    def scope(self, request):
        return ImportJob.objects.filter(region__in=access.regions_for_user(request.user))

    @admin.display(description=_("核对页面"))
    def review_link(self, obj: ImportJob) -> str:
        return format_html('<a href="{}">{}</a>', admin_views.review_url(obj), _("打开"))

    def has_add_permission(self, request) -> bool:
        return False
