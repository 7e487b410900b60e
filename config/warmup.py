"""What a web process would otherwise do on its first requests, done when it starts (from
config/wsgi.py, before gunicorn hands it a request): import the URLconf and build its
reverse map for the site's language, load that language's catalogues, compile the
templates (pages' and form widgets', each engine keeps them once compiled).

Each of these happens once per process, on whichever request first needs it: a fresh
worker (every start, and every WEB_MAX_REQUESTS requests) answered its first admin page
300–500 ms late. Nothing here touches the database.

Then what is loaded is set apart from the garbage collector (gc.freeze(): Python's advice
for long-lived objects): ~160,000 objects that never die, which every full collection
walked again, 120 ms on whichever request it fell (about one in ten).
"""

from __future__ import annotations

import contextlib
import gc
import logging
from pathlib import Path

logger = logging.getLogger(__name__)

_SUFFIXES = (".html", ".txt")


def _template_names(directory: Path) -> list[str]:
    return sorted(
        str(path.relative_to(directory))
        for path in directory.rglob("*")
        if path.suffix in _SUFFIXES and path.is_file()
    )


def compile_templates(engine, directories) -> int:
    """Compile every template in `directories` through `engine` (its cached loader keeps
    them); a name found twice is the one `engine` itself resolves. Returns how many."""
    from django.template import TemplateDoesNotExist, TemplateSyntaxError

    compiled = 0
    for directory in directories:
        for name in _template_names(Path(directory)):
            try:
                engine.get_template(name)
            except (TemplateDoesNotExist, TemplateSyntaxError, UnicodeDecodeError) as exc:
                logger.debug("warm-up: %s not compiled: %s", name, exc)  # compiled when used
                continue
            compiled += 1
    return compiled


def _reverse_maps(resolver, namespace: str = "") -> None:
    """Build the reverse maps reverse() reads for the active language: the URLconf's, and
    for each namespace (the admin's …) the resolver reverse() makes for it."""
    from django.urls import NoReverseMatch, reverse

    resolver.reverse_dict  # noqa: B018
    for name, (_prefix, child) in resolver.namespace_dict.items():
        with contextlib.suppress(NoReverseMatch):  # no such view: built, then looked up
            reverse(f"{namespace}{name}:-")
        _reverse_maps(child, f"{namespace}{name}:")


def warm_up(*, freeze: bool = True) -> None:
    """Never fatal: what fails here is done (or fails) on the request that needs it."""
    try:
        _warm_up()
    except Exception:
        logger.exception("warm-up failed; the first requests do the work instead")
    if freeze:
        gc.collect()  # what is garbage now is not kept
        gc.freeze()


def _warm_up() -> None:
    from django.conf import settings
    from django.forms.renderers import get_default_renderer
    from django.template import engines
    from django.template.utils import get_app_template_dirs
    from django.urls import get_resolver
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        _reverse_maps(get_resolver())  # imports the URLconf too
    app_dirs = get_app_template_dirs("templates")
    for engine in engines.all():
        compile_templates(engine, [*engine.engine.dirs, *app_dirs])
    renderer = get_default_renderer()  # widgets (admin's too): an engine of the renderer's
    if hasattr(renderer, "engine"):
        compile_templates(renderer.engine, [*renderer.engine.engine.dirs, *app_dirs])
