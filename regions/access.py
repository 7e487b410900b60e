"""What part of the directory a user may see: the region-level half of the access layer
(tasks_app.access builds on it)."""

from django.db.models import Q, QuerySet

from regions.models import Region, Unit, UnitGroup, User
from regions.selectors import region_subtree_q


def is_coordinator(user) -> bool:
    """The one coordinator predicate (User.is_coordinator); False for an anonymous user."""
    return bool(getattr(user, "is_coordinator", False))


def is_regional(user: User) -> bool:
    return user.role in (User.Role.COORDINATOR, User.Role.LEADER) and user.region_id is not None


def regions_for_user(user: User) -> QuerySet[Region]:
    if user.is_superuser:
        return Region.objects.all()
    if is_regional(user):
        return Region.objects.filter(region_subtree_q(user.region))
    return Region.objects.none()


def units_for_user(user: User) -> QuerySet[Unit]:
    if user.is_superuser:
        return Unit.objects.all()
    if is_regional(user):
        return Unit.objects.filter(region_subtree_q(user.region, prefix="region__"))
    if user.unit_id:
        return Unit.objects.filter(pk=user.unit_id)
    return Unit.objects.none()


def unit_groups_for_user(user: User) -> QuerySet[UnitGroup]:
    return UnitGroup.objects.filter(region__in=regions_for_user(user))


def users_for_user(user: User) -> QuerySet[User]:
    if user.is_superuser:
        return User.objects.all()
    if is_regional(user):
        return User.objects.filter(
            Q(unit__in=units_for_user(user)) | Q(region__in=regions_for_user(user))
        )
    return User.objects.filter(pk=user.pk)
