"""A web process does its one-time work when it starts (config.warmup), not on its first
requests: the URL maps, the templates; then it sets what it loaded apart from the garbage
collector."""

import gc
import importlib
import sys

import pytest
from django.conf import settings
from django.template import engines
from django.urls import clear_url_caches, resolvers, reverse
from django.utils import translation

from config import warmup


@pytest.fixture
def cold(monkeypatch):
    """A process that has reversed nothing and compiled no template yet."""
    clear_url_caches()
    for engine in engines.all():
        engine.engine.template_loaders[0].reset()
    yield
    clear_url_caches()


def test_after_the_warm_up_no_request_builds_a_url_map_or_compiles_a_template(cold, monkeypatch):
    warmup.warm_up(freeze=False)
    built = []
    populate = resolvers.URLResolver._populate
    monkeypatch.setattr(
        resolvers.URLResolver, "_populate", lambda self: built.append(self) or populate(self)
    )
    with translation.override(settings.LANGUAGE_CODE):
        reverse("admin:tasks_app_assignment_changelist")
        reverse("admin:tasks_app_progress_matrix", args=[1])
        reverse("assignment_detail", args=[1])
    assert built == []
    loader = engines["django"].engine.template_loaders[0]  # the cached loader
    for name in ("admin/change_list.html", "admin/tasks_app/assignment/change_list.html"):
        assert name in loader.get_template_cache


def test_the_warm_up_freezes_what_it_loaded(cold):
    gc.unfreeze()
    try:
        warmup.warm_up()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_the_wsgi_module_warms_up(monkeypatch):
    calls = []
    monkeypatch.setattr(warmup, "warm_up", lambda **kwargs: calls.append(kwargs))
    monkeypatch.delitem(sys.modules, "config.wsgi", raising=False)
    importlib.import_module("config.wsgi")
    assert calls == [{}]
