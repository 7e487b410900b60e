"""The conversation on an assignment (沟通记录): a unit, the unit leading its task and the
coordinators over its plan write to each other; leaders read. @mentions of participants are
stored with the comment (to highlight them, and for the notifications to come)."""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction

from core.errors import ApplicationError
from notify.mentions import mentioned, names_of
from notify.models import Comment
from notify.selectors import comment_participants
from regions.models import User
from tasks_app.access import assignment_get_for_user, require_comment_writer

COMMENT_MAX_CHARS = 5000


def _notify(comment: Comment) -> None:
    # notifications are wired in by the notifications work (the mentioned people and the
    # thread's participants); called once the comment is committed
    pass


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
    if "@" in text:
        people: dict[str, list[User]] = defaultdict(list)
        for person in comment_participants(assignment).only("id", "username", "last_name"):
            for name in set(names_of(person)):
                people[name].append(person)
        comment.mentions.set(mentioned(text, people))
    transaction.on_commit(lambda: _notify(comment))
    return comment
