from django.apps import AppConfig


class HooksConfig(AppConfig):
    """Webhooks (see the package docstring)."""

    name = "hooks"
    verbose_name = "Webhook"

    def ready(self) -> None:
        # the outbox kind, and the receivers that turn events into deliveries
        from hooks import kind  # noqa: F401
        from hooks.services import listen  # noqa: F401
