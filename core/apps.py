from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared plumbing (see the package docstring)."""

    name = "core"
    verbose_name = "公共组件"
