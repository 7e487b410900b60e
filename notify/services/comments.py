"""The conversation on an assignment (沟通记录): a unit, the unit leading its task and the
coordinators over its plan write to each other; leaders read. @mentions of participants are
stored with the comment; the other side of the thread is told (notify.services.notices), and
whoever is mentioned."""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.urls import reverse

from core.errors import ApplicationError
from core.people import PERSON_FIELDS, display_name
from notify.mentions import mentioned, names_of
from notify.models import Comment, Event
from notify.selectors import comment_participants
from notify.services.notices import Audience, notices_create
from notify.signals import commented
from regions.models import User
from regions.selectors import region_coordinator_ids
from tasks_app.access import assignment_get_for_user, require_comment_writer

COMMENT_MAX_CHARS = 5000


def _notify(comment: Comment, mentions: list[User]) -> None:
    """Tell the other side: a unit's comment goes to the coordinators of the plan's region,
    a coordinator's (or the lead unit's) to the unit; the mentioned are told apart."""
    assignment, author = comment.assignment, comment.author
    task = assignment.task
    region_id = task.plan.region_id
    who = display_name(author)
    title = f"{who}在“{task.ref} {task.title[:40]}”留言"
    text = f"{assignment.unit}:{task.ref} {task.title}\n{comment.text[:500]}"
    unit_link = reverse("assignment_detail", args=[assignment.pk])
    admin_link = reverse("admin:tasks_app_assignment_change", args=[assignment.pk])
    coordinators = region_coordinator_ids(region_id)
    audiences = []
    if author.unit_id is None or author.unit_id != assignment.unit_id:
        audiences.append(
            Audience(unit_id=assignment.unit_id, title=title, text=text, link=unit_link)
        )
    if author.role != User.Role.COORDINATOR:
        audiences.append(Audience(user_ids=coordinators, title=title, text=text, link=admin_link))
    for audience in audiences:
        audience.assignment_id = assignment.pk
    notices_create(event=Event.COMMENT, region_id=region_id, audiences=audiences, actor=author)
    coordinators_set = set(coordinators)
    mentioned_people = [
        Audience(
            user_ids=[person.pk],
            assignment_id=assignment.pk,
            title=f"{who}在留言中提到了你",
            text=text,
            link=admin_link if person.pk in coordinators_set else unit_link,
        )
        for person in mentions
    ]
    notices_create(
        event=Event.MENTION, region_id=region_id, audiences=mentioned_people, actor=author
    )


@transaction.atomic(durable=True)  # top level: on_commit fires at the real commit
def comment_create(*, user: User, assignment_id: int, text: str) -> Comment:
    assignment = assignment_get_for_user(user=user, assignment_id=assignment_id)
    require_comment_writer(user, assignment)
    text = (text or "").strip()
    if not text:
        raise ApplicationError("留言内容不能为空。")
    if len(text) > COMMENT_MAX_CHARS:
        raise ApplicationError(
            f"留言过长({len(text)} 个字符),每条不超过 {COMMENT_MAX_CHARS} 个字符。"
        )
    comment = Comment.objects.create(assignment=assignment, author=user, text=text)
    mentions: list[User] = []
    if "@" in text:
        people: dict[str, list[User]] = defaultdict(list)
        for person in comment_participants(assignment).only(*PERSON_FIELDS):
            for name in set(names_of(person)):
                people[name].append(person)
        mentions = list(mentioned(text, people))
        comment.mentions.set(mentions)
    _notify(comment, mentions)  # in the same transaction: told if and only if it is saved
    commented.send(sender=Comment, comment=comment)
    return comment
