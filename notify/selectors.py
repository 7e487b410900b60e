"""Reads of notify: the assignment conversation (沟通记录), through the access layer; and
the bell (a person's notifications, newest first, and how many are unread)."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from core.people import PERSON_FIELDS
from notify.models import Comment, Notification
from regions.models import Region, User
from tasks_app.access import assignment_get_for_user
from tasks_app.models import Assignment, Role


def comments_for_assignment(user: User, assignment_id: int) -> QuerySet[Comment]:
    """The thread, oldest first, with authors (and their units) and mentions: three queries
    whatever its length. Another unit's or region's assignment is "not found"."""
    assignment = assignment_get_for_user(user=user, assignment_id=assignment_id)
    return comments_of(assignment)


def comments_of(assignment: Assignment) -> QuerySet[Comment]:
    """The thread of an assignment already fetched through the access layer."""
    return (
        Comment.objects.filter(assignment=assignment)
        .select_related("author__unit")
        .prefetch_related(Prefetch("mentions", queryset=User.objects.only(*PERSON_FIELDS)))
        .order_by("created_at", "id")
    )


def comment_participants(assignment: Assignment) -> QuerySet[User]:
    """Who takes part in an assignment's conversation (and so may be @mentioned): the
    assigned unit's users, the users of the unit leading its task, the coordinators over
    its plan's region, and whoever has written in it already."""
    chain = (
        Region.objects.filter(pk=assignment.task.plan.region_id)
        .values_list("pk", "parent_id", "parent__parent_id", "parent__parent__parent_id")
        .first()
        or ()
    )
    leads = Assignment.objects.filter(task_id=assignment.task_id, role=Role.LEAD).values("unit_id")
    unit_users = Q(role=User.Role.UNIT_USER) & (
        Q(unit_id=assignment.unit_id) | Q(unit_id__in=leads)
    )
    coordinators = Q(role=User.Role.COORDINATOR, region_id__in=[r for r in chain if r])
    authors = Q(pk__in=Comment.objects.filter(assignment=assignment).values("author_id"))
    return User.objects.filter(Q(is_active=True) & (unit_users | coordinators | authors))


def notifications_for_user(user: User) -> QuerySet[Notification]:
    """The user's own notifications (nobody reads another's), with their notice."""
    return Notification.objects.filter(user_id=user.pk).select_related("notice").order_by("-id")


def unread_count(user: User) -> int:
    """One query, on the partial index of unread rows."""
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()
