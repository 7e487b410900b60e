"""The public page of a plan (政务公开): anonymous, read from the published snapshot only
(one query), cacheable; and the coordinator's publish / unpublish buttons on the plan's admin
page (an admin page: POST only)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_GET, require_POST

from core.admin import may_write
from core.errors import ApplicationError, ForbiddenError, NotFoundError
from reporting.services.public_plans import plan_publish, plan_unpublish, public_page_get

MAX_AGE = 300  # seconds a browser or a proxy may keep the page


def _cached(request: HttpRequest, response: HttpResponse, published_at) -> HttpResponse:
    """Public for five minutes; validated by the publishing time (ETag and Last-Modified), so
    a republished page is fetched again and an unchanged one answers 304."""
    etag = f'"{int(published_at.timestamp() * 1_000_000):x}"'
    last_modified = published_at.timestamp()
    conditional = get_conditional_response(
        request, etag=etag, last_modified=int(last_modified), response=response
    )
    conditional["Cache-Control"] = f"public, max-age={MAX_AGE}"
    conditional["ETag"] = etag
    conditional["Last-Modified"] = http_date(last_modified)
    return conditional


def _published(token: str):
    found = public_page_get(token)
    if found is None:
        raise Http404  # unknown and withdrawn alike
    return found


@require_GET
def public_plan_page(request: HttpRequest, token: str) -> HttpResponse:
    snapshot, published_at = _published(token)
    response = render(
        request,
        "public/plan.html",
        {"s": snapshot, "json_url": reverse("public_plan_json", args=[token])},
    )
    return _cached(request, response, published_at)


@require_GET
def public_plan_json(request: HttpRequest, token: str) -> HttpResponse:
    snapshot, published_at = _published(token)
    response = JsonResponse(snapshot, json_dumps_params={"ensure_ascii": False})
    return _cached(request, response, published_at)


@require_POST
def plan_public_view(request: HttpRequest, plan_id: int, admin_context: dict) -> HttpResponse:
    """公开进展 (publish or refresh) and 取消公开, from the plan's admin page."""
    if not may_write(request.user):
        raise PermissionDenied
    back = reverse("admin:tasks_app_workplan_change", args=[plan_id])
    try:
        if request.POST.get("action") == "unpublish":
            plan_unpublish(user=request.user, plan_id=plan_id)
            messages.success(request, "已取消公开,公开链接不再可用。")
        else:
            plan_publish(user=request.user, plan_id=plan_id)
            messages.success(request, "已公开进展(数据为此刻的快照,再次公开可刷新)。")
    except NotFoundError as exc:
        raise Http404 from exc
    except ForbiddenError as exc:
        raise PermissionDenied from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(back)
