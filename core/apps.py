from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared plumbing: local-time formatting for pages, documents and mails."""

    name = "core"
    verbose_name = "公共组件"
