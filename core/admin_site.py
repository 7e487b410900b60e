"""The one admin site. Besides the model admins, it holds the custom pages of every app
(imports, progress, ledger, assessment …): each app registers its pages here with
`admin.site.register_page`, so no model admin carries another concern's pages in get_urls."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import path
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Page:
    route: str  # under /admin/
    view: object  # view(request, **url_kwargs, admin_context=…)
    name: str  # reversed as "admin:<name>"
    model: type | None  # whose admin the breadcrumbs and permissions context name


class TrackerAdminSite(admin.AdminSite):
    site_header = _("工作要点督办系统")
    site_title = _("工作要点督办系统")
    index_title = _("管理首页")

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)
        self.pages: dict[str, Page] = {}

    def register_page(self, route: str, view, *, name: str, model: type | None = None) -> None:
        if name in self.pages:
            raise ValueError(f"admin page {name!r} is registered twice")
        self.pages[name] = Page(route, view, name, model)

    def page_context(self, request, model: type | None) -> dict:
        context = self.each_context(request)
        if model is not None:
            context["opts"] = model._meta
        return context

    def get_urls(self):
        return [
            *(
                path(p.route, self.admin_view(self._page_view(p)), name=p.name)
                for p in self.pages.values()
            ),
            *super().get_urls(),
        ]

    def _page_view(self, page: Page):
        def view(request, **kwargs):
            return page.view(
                request, admin_context=self.page_context(request, page.model), **kwargs
            )

        view.__name__ = page.name
        return view


class TrackerAdminConfig(AdminConfig):
    """django.contrib.admin with our site (INSTALLED_APPS names this instead)."""

    default_site = "core.admin_site.TrackerAdminSite"
