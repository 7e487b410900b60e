"""The project's URLs, walked from the URLconf (so a new page is covered by construction),
and a recorder of the query parameters a view actually reads."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.http import QueryDict
from django.urls import URLPattern, URLResolver, get_resolver

# Views the admin site generates for every registered model ("admin:<app>_<model>_change" …,
# but not the site's own "admin:password_change"); the admin's own tests cover those
# (tests/test_admin_access.py), generated from the admin registry instead.
ADMIN_MODEL_VIEWS = ("_changelist", "_add", "_change", "_delete", "_history", "_simple_history")


@dataclass(frozen=True)
class Route:
    route: str  # "tasks/<int:assignment_id>/"
    name: str  # "assignment_detail", "admin:tasks_app_ledger"
    callback: object

    @property
    def params(self) -> list[str]:
        return re.findall(r"<(?:\w+:)?(\w+)>", self.route)

    def path(self, **kwargs) -> str:
        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), self.route)


def _walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(
                pattern.url_patterns, prefix + str(pattern.pattern), pattern.namespace or namespace
            )
        elif isinstance(pattern, URLPattern):
            name = pattern.name or ""
            name = f"{namespace}:{name}" if namespace else name
            yield Route(prefix + str(pattern.pattern), name, pattern.callback)


def project_routes() -> list[Route]:
    """Every page and endpoint of ours: the URLconf without the admin's generated model views,
    its catch-alls and regular-expression routes."""
    from django.contrib import admin

    models = tuple(f"admin:{m._meta.app_label}_{m._meta.model_name}_" for m in admin.site._registry)
    routes = []
    for route in _walk(get_resolver().url_patterns):
        generated = route.name.startswith(models) and route.name.endswith(ADMIN_MODEL_VIEWS)
        if "(?P" in route.route or (
            route.route.startswith("admin/")
            and (generated or route.name in ("admin:", "admin:app_list", "admin:view_on_site"))
        ):
            continue
        routes.append(route)
    return routes


class RecordingQueryDict(QueryDict):
    """request.GET that notes every key a view asks for (forms and serializers ask by key)."""

    asked: set[str] = set()

    def get(self, key, default=None):
        RecordingQueryDict.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        RecordingQueryDict.asked.add(key)
        return super().__getitem__(key)

    def getlist(self, key, default=None):
        RecordingQueryDict.asked.add(key)
        return super().getlist(key, default)

    def __contains__(self, key):
        RecordingQueryDict.asked.add(key)
        return super().__contains__(key)
