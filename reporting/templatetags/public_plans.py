"""The public-page panel on a plan's admin page: its address, and the coordinator's
公开进展 / 取消公开 buttons."""

from django import template
from django.urls import reverse

from core.admin import may_write
from reporting.models import PublicPlan

register = template.Library()


@register.inclusion_tag("admin/tasks_app/workplan/public_panel.html", takes_context=True)
def public_plan_panel(context, plan) -> dict:
    request = context["request"]
    if plan is None or plan.pk is None:
        return {"plan": None}
    page = PublicPlan.objects.filter(plan=plan).only("token", "published_at", "unpublished_at")
    page = page.first()
    published = page is not None and page.unpublished_at is None
    return {
        "plan": plan,
        "page": page,
        "published": published,
        "url": (
            request.build_absolute_uri(reverse("public_plan", args=[page.token]))
            if published
            else ""
        ),
        "action": reverse("admin:tasks_app_plan_public", args=[plan.pk]),
        "may_publish": may_write(request.user),
        "csrf_token": context.get("csrf_token"),
    }
