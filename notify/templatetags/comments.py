"""`{% comment_thread assignment %}`: the conversation (沟通记录) with its post box, on the
unit's assignment page and the admin's (`admin=True`: coordinators post, others read);
`{% comment_events timeline assignment as events %}`: the timeline with the comments in it."""

from django import template

from core.errors import NotFoundError
from core.people import display_name
from notify.mentions import names_of, segments
from notify.models import Comment
from notify.selectors import comments_for_assignment
from notify.services.comments import COMMENT_MAX_CHARS
from tasks_app.access import is_coordinator, may_comment
from tasks_app.selectors import Event

register = template.Library()


def _where(user) -> str:
    return user.unit.short_name if user.unit_id else user.get_role_display()


@register.inclusion_tag("notify/_comment_thread.html", takes_context=True)
def comment_thread(context, assignment, admin: bool = False):
    request = context["request"]
    user = request.user
    try:
        comments = comments_for_assignment(user, assignment.pk)
    except NotFoundError:
        return {"hidden": True}
    rows = [
        {
            "id": c.pk,
            "author": display_name(c.author),
            "where": _where(c.author),
            "at": c.created_at,
            "parts": segments(c.text, [n for m in c.mentions.all() for n in names_of(m)]),
        }
        for c in comments
    ]
    may_post = may_comment(user, assignment) and (not admin or is_coordinator(user))
    return {
        "rows": rows,
        "may_post": may_post,
        "assignment": assignment,
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
        "max_chars": COMMENT_MAX_CHARS,
    }


@register.simple_tag
def comment_events(timeline, assignment) -> list[Event]:
    """The timeline (from an assignment fetched through the access layer) with a line for
    each comment, linking to it in the thread: one query."""
    comments = Comment.objects.filter(assignment=assignment).select_related("author__unit")
    events = list(timeline) + [
        Event(
            c.created_at,
            f"{display_name(c.author)}({_where(c.author)})",
            "comment",
            f"留言:{c.text[:40]}{'…' if len(c.text) > 40 else ''}",
        )
        for c in comments
    ]
    return sorted(events, key=lambda e: e.at)
