"""Invitations: a one-time link, mailed through the outbox, to set one's password."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from notify.models import MailLog
from notify.outbox import outbox_send
from regions.models import Invitation, Unit, User
from regions.services.invitations import invitation_create, invitation_token

GOOD_PASSWORD = "Xq7-tulip-harbor"


@pytest.fixture
def invited(taiyuan):
    unit = Unit.objects.get(short_name="市财政局")
    user = User.objects.create(
        username="zhang", last_name="张三", role="unit_user", unit=unit, email="zs@example.org"
    )
    user.set_unusable_password()
    user.save()
    return user


def link_of(message) -> str:
    return re.search(r"http://\S+/invite/\w+/", message.body).group(0)


def test_invitation_is_queued_after_commit_and_mailed_with_a_working_link(
    invited, mailoutbox, django_capture_on_commit_callbacks, monkeypatch, client
):
    queued = []
    monkeypatch.setattr(
        "regions.services.invitations.queue_task", lambda *args: queued.append(args)
    )
    # given: an invitation, queued when its transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitation_create(user=invited)
    assert queued == [("notify.tasks.outbox_send_task", "invitation", [invitation.pk])]
    # the token is not in the database
    token = invitation_token(invitation)
    row = Invitation.objects.get()
    assert token not in {row.nonce, row.token_hash}
    # when the outbox sends it
    assert outbox_send("invitation", [invitation.pk]) == []
    # then: one mail, in Chinese, with the link, and the row stamped and logged
    (message,) = mailoutbox
    assert message.to == ["zs@example.org"]
    assert "设置" in message.subject and "密码" in message.subject
    assert "张三" in message.body and "zhang" in message.body and "市财政局" in message.body
    html = message.alternatives[0][0]
    assert link_of(message) in html
    assert link_of(message).endswith(f"/invite/{token}/")
    row.refresh_from_db()
    assert row.sent_at is not None and row.attempts == 1
    assert MailLog.objects.get().kind == "invitation"
    # sent once only
    assert outbox_send("invitation", [invitation.pk]) == [] and len(mailoutbox) == 1

    # the user sets a password through the link, once
    path = link_of(message).split("127.0.0.1:8000", 1)[1]
    page = client.get(path)
    assert page.status_code == 200 and "zhang" in page.content.decode()
    response = client.post(path, {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    invited.refresh_from_db()
    assert invited.check_password(GOOD_PASSWORD)
    again = client.get(path)
    assert again.status_code == 410 and "已使用或已过期" in again.content.decode()


def test_weak_or_mismatched_password_is_refused_and_the_link_stays_usable(invited, client):
    invitation = invitation_create(user=invited, enqueue=False)
    path = reverse("invitation_accept", args=[invitation_token(invitation)])
    weak = client.post(path, {"password1": "12345678", "password2": "12345678"})
    assert weak.status_code == 200
    assert "密码" in weak.content.decode()
    mismatch = client.post(path, {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD + "x"})
    assert "两次输入的密码不一致" in mismatch.content.decode()
    invited.refresh_from_db()
    assert not invited.has_usable_password()
    assert Invitation.objects.get().used_at is None


def test_unknown_and_expired_links_say_so_without_naming_anyone(invited, client):
    unknown = client.get(reverse("invitation_accept", args=["0" * 64]))
    assert unknown.status_code == 404 and "邀请链接无效" in unknown.content.decode()
    assert "zhang" not in unknown.content.decode()

    invitation = invitation_create(user=invited, enqueue=False)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    path = reverse("invitation_accept", args=[invitation_token(invitation)])
    expired = client.post(path, {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})
    assert expired.status_code == 410
    assert "zhang" not in expired.content.decode()
    invited.refresh_from_db()
    assert not invited.has_usable_password()


def test_expiry_follows_the_setting(invited, settings):
    settings.INVITATION_DAYS = 3
    invitation = invitation_create(user=invited, enqueue=False)
    left = invitation.expires_at - timezone.now()
    assert dt.timedelta(days=2, hours=23) < left <= dt.timedelta(days=3)


def test_resending_from_the_admin_expires_the_previous_link(invited, client, world, mailoutbox):
    first = invitation_create(user=invited, enqueue=False)
    client.force_login(world.coordinator)
    response = client.post(
        reverse("admin:regions_user_changelist"),
        {"action": "invite_selected", "_selected_action": [invited.pk]},
        follow=True,
    )
    assert "已向 1 个用户发送邀请" in response.content.decode()
    second = Invitation.objects.exclude(pk=first.pk).get()
    first.refresh_from_db()
    assert first.expires_at <= timezone.now() and first.cancelled_at is not None
    # the old mail is never sent; the new one is
    assert outbox_send("invitation", [first.pk, second.pk]) == []
    (message,) = mailoutbox
    assert link_of(message).endswith(f"/invite/{invitation_token(second)}/")
    client.logout()
    old = client.get(reverse("invitation_accept", args=[invitation_token(first)]))
    assert old.status_code == 410


def test_a_leader_cannot_send_invitations(invited, client, world):
    client.force_login(world.leader)
    client.post(
        reverse("admin:regions_user_changelist"),
        {"action": "invite_selected", "_selected_action": [invited.pk]},
    )
    assert not Invitation.objects.exists()
