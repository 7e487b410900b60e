"""The layout's rules, checked on the source: one room per concern, no cycles, no borrowed
private names, no oversized files, the parser free of Django, every queued task registered."""

import ast
import importlib

import pytest

from tests.import_graph import PACKAGES, ROOT, app_edges, cycles, graph, modules

MAX_LINES = 450
APPS = ("core", "regions", "tasks_app", "notify", "reporting", "hooks")


def test_no_source_file_is_over_450_lines():
    """Every Python file of ours (apps, benchmarks, scripts), migrations and tests aside."""
    skip = {".venv", "var", "migrations", "tests", ".git", "node_modules"}
    files = [p for p in ROOT.rglob("*.py") if not skip & set(p.relative_to(ROOT).parts)]
    assert len(files) > len(modules())  # benchmarks and scripts are counted too
    long = {
        str(path.relative_to(ROOT)): n
        for path in files
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_no_import_cycle_between_modules_or_apps():
    edges, _ = graph()
    assert cycles(edges) == []
    assert cycles(app_edges(edges)) == []


def test_apps_depend_downwards_only():
    """core needs nobody; regions needs core; tasks_app the directory; notify and reporting
    build on tasks_app; reporting may send through notify's outbox, never the reverse."""
    apps = app_edges(graph()[0])
    assert apps.get("core", set()) == set()
    assert apps["regions"] <= {"core"}
    assert apps["tasks_app"] <= {"core", "regions"}
    assert apps["notify"] <= {"core", "regions", "tasks_app"}
    assert apps["reporting"] <= {"core", "regions", "tasks_app", "notify"}
    assert apps["hooks"] <= {"core", "regions", "tasks_app", "notify"}


def test_no_module_imports_another_modules_private_name():
    assert graph()[1] == []


def test_the_parser_imports_no_django():
    parser = [name for name in modules() if name.startswith("tasks_app.parsing")]
    assert parser
    edges, _ = graph()
    for name in parser:
        assert all(t.startswith(("tasks_app.parsing", "core.errors")) for t in edges[name]), name
        tree = ast.parse(modules()[name].read_text(encoding="utf-8"))
        imported = {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {
            (node.module or "").split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and not node.level
        }
        assert "django" not in imported, name


@pytest.mark.parametrize("app", APPS)
def test_each_app_says_what_it_owns(app):
    package = importlib.import_module(app)
    assert package.__doc__ and len(package.__doc__.strip()) > 40


def test_every_task_a_service_queues_by_name_is_registered():
    from config.celery import app as celery_app

    queued = set()
    for path in modules().values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", "") == "queue_task"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                queued.add(node.args[0].value)
    celery_app.loader.import_default_modules()
    assert queued and queued <= set(celery_app.tasks), queued - set(celery_app.tasks)


def test_every_package_of_ours_is_scanned():
    assert {p.name for p in ROOT.iterdir() if (p / "apps.py").exists()} <= set(PACKAGES)
