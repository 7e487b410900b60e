"""The reminder renderer fills each mail's own values into a mail rendered once per task:
the mail must be the one the templates render for that mail alone, escaping included."""

from __future__ import annotations

import pytest
from django.utils import translation

from notify.mails import PERSONAL
from notify.outbox import MailRenderer, templated_mail

BASE = {
    "kind": "逾期催办",
    "kind_code": "overdue",
    "plan_title": "2026年政务公开工作要点",
    "task_ref": "一/(二)",
    "task_title": "推进决策公开 <重点> & “解读”,这是一个很长很长很长很长很长很长很长的标题",
    "workdays_left": -3,
    "workdays_overdue": 3,
}
UNITS = [
    {
        "addressee": "市财政局",
        "unit_name": "财政局",
        "role": "牵头",
        "state": "办理中",
        "progress": 40,
        "due_text": "2026年9月10日",
        "due_iso": "2026-09-10",
        "link": "https://example.gov.cn/tasks/1/",
    },
    {
        "addressee": "A&B <县> \"政府\" 'x'",
        "unit_name": "A&B<县>",
        "role": "配合",
        "state": "已签收",
        "progress": 0,
        "due_text": "2026年9月11日",
        "due_iso": "2026-09-11",
        "link": "https://example.gov.cn/tasks/2/?a=1&b=2",
    },
]


def parts(message):
    return message.subject, message.body, message.alternatives[0][0], message.to


@pytest.mark.parametrize("kind_code", ["overdue", "before_due", "due_today", "escalation"])
def test_each_mail_is_what_the_templates_render_for_it_alone(kind_code):
    renderer = MailRenderer("reminder", PERSONAL)
    left = {"before_due": 5, "due_today": 0}.get(kind_code, -3)
    with translation.override("zh-hans"):
        for own in UNITS * 2:  # the second time round from the renderer's store
            context = {**BASE, **own, "kind_code": kind_code, "workdays_left": left}
            context["workdays_overdue"] = -left
            expected = templated_mail("reminder", context, ["a@example.gov.cn"])
            got = renderer.mail(context, ["a@example.gov.cn"])
            assert parts(got) == parts(expected)
    assert len(renderer.rendered) == 1  # both units' mails from one rendering


def test_a_different_task_or_kind_is_rendered_again():
    renderer = MailRenderer("reminder", PERSONAL)
    renderer.mail({**BASE, **UNITS[0]}, ["a@example.gov.cn"])
    renderer.mail({**BASE, **UNITS[0], "task_ref": "二/(一)"}, ["a@example.gov.cn"])
    renderer.mail({**BASE, **UNITS[1], "kind_code": "escalation"}, ["a@example.gov.cn"])
    assert len(renderer.rendered) == 3


def test_notice_mails_are_what_the_templates_render_for_each_alone():
    from notify.notices import PERSONAL as NOTICE_PERSONAL

    renderer = MailRenderer("notice", NOTICE_PERSONAL)
    notices = [
        {
            "title": "你单位有 2 项新交办事项",
            "text": "1. 一 <公开> & “解读”\n2. 二",
            "link": "/a?x=1&y=2",
        },
        {"title": "A&B <县> \"政府\" 'x'", "text": "督办意见:请 <尽快>\n\n1. 三", "link": "/b/"},
    ]
    with translation.override("zh-hans"):
        for own in notices * 2:
            context = {"event": "新交办", **own}
            expected = templated_mail("notice", context, ["a@example.gov.cn"])
            assert parts(renderer.mail(context, ["a@example.gov.cn"])) == parts(expected)
    assert len(renderer.rendered) == 1
