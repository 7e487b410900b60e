"""Old addresses of admin pages whose models moved from tasks_app to notify and reporting:
they answer with a permanent redirect to the new address (method and query kept)."""

from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.urls import reverse

MOVED_ADMIN = {
    "reminder": "notify",
    "reminderpolicy": "notify",
    "digest": "notify",
    "maillog": "notify",
    "exportjob": "reporting",
    "bulletin": "reporting",
    "bulletindelivery": "reporting",
    "assessmentscheme": "reporting",
}

MOVED_ADMIN_PATH = r"^admin/tasks_app/(?P<model>" + "|".join(MOVED_ADMIN) + r")/(?P<rest>.*)$"


class PermanentRedirectKeepingMethod(HttpResponsePermanentRedirect):
    status_code = 308  # a POST stays a POST


def moved_admin(request: HttpRequest, model: str, rest: str):
    target = reverse("admin:index") + f"{MOVED_ADMIN[model]}/{model}/{rest}"
    if request.META.get("QUERY_STRING"):
        target += "?" + request.META["QUERY_STRING"]
    if request.method in ("GET", "HEAD"):
        return HttpResponsePermanentRedirect(target)
    return PermanentRedirectKeepingMethod(target)
