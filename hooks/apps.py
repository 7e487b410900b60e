from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _grant_roles(sender, using="default", **kwargs) -> None:
    """An installation older than webhooks: its role groups are given hooks' permissions
    (Django creates them in post_migrate, before this runs); added, nothing taken away."""
    from django.contrib.auth.models import Group, Permission

    from regions.services import ROLE_GROUPS

    perms = list(Permission.objects.using(using).filter(content_type__app_label="hooks"))
    for group in Group.objects.using(using).filter(name__in=ROLE_GROUPS):
        actions = ROLE_GROUPS[group.name][1]
        group.permissions.add(*(p for p in perms if p.codename.split("_", 1)[0] in actions))


class HooksConfig(AppConfig):
    """Webhooks (see the package docstring)."""

    name = "hooks"
    verbose_name = "系统对接(Webhook)"  # sorts among the Chinese sections, not before them

    def ready(self) -> None:
        # the outbox kind, and the receivers that turn events into deliveries
        from hooks import kind  # noqa: F401
        from hooks.services import listen  # noqa: F401

        post_migrate.connect(_grant_roles, sender=self, dispatch_uid="hooks.grant_roles")
