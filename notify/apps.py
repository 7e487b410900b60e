from django.apps import AppConfig


class NotifyConfig(AppConfig):
    """Reminders, digests, the mail log and the outbox (see the package docstring)."""

    name = "notify"
    verbose_name = "提醒与通知"

    def ready(self) -> None:
        from notify import invitations, mails  # noqa: F401  (register their outbox kinds)
