from django.apps import AppConfig


class NotifyConfig(AppConfig):
    """Reminders, digests, the mail log and the outbox (see the package docstring)."""

    name = "notify"
    verbose_name = "提醒与通知"

    def ready(self) -> None:
        # register the outbox kinds: reminders and digests, invitations, notices on channels
        from notify import invitations, mails, notices  # noqa: F401
        from notify.services import tell  # noqa: F401  (tells people of each event of the work)
