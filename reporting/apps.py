from django.apps import AppConfig


class ReportingConfig(AppConfig):
    """Progress, ledger, bulletins and assessment (see the package docstring)."""

    name = "reporting"
    verbose_name = "统计与通报"

    def ready(self) -> None:
        from reporting import mails  # noqa: F401  (registers the bulletin outbox kind)
