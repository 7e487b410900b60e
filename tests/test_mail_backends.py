"""Our mail backends: the first run's console (mails as a person reads them) and SMTP
(Django's backend with each address sanitised once) — the same envelope and message as
Django's own, through a real SMTP server."""

import email
import io
import smtplib
import socket

import pytest
from aiosmtpd.controller import Controller
from django.core.mail import EmailMessage, get_connection

from notify.backends import ReadableConsoleBackend
from notify.mime import WireMail

SENDER = "工作要点督办系统 <noreply@example.gov.cn>"
TO = ["市财政局 联络员 <czj@example.org>", "wang@例子.中国", "li@example.org"]


def _wire_mail() -> WireMail:
    mail = WireMail("【催办】你单位有 2 项事项待反馈", "正文\n查看:http://x/tasks/", SENDER, TO)
    mail.attach_alternative("<p>正文</p>", "text/html")
    return mail


def test_the_console_prints_a_mail_decoded():
    out = io.StringIO()
    attached = EmailMessage("【通报】第 3 期", "附通报。", SENDER, ["a@example.org"])
    attached.attach("2026年第3期通报.docx", b"PK..", "application/octet-stream")
    ReadableConsoleBackend(stream=out).send_messages([_wire_mail(), attached])
    printed = out.getvalue()
    assert "主题:【催办】你单位有 2 项事项待反馈" in printed
    assert "收件人:市财政局 联络员 <czj@example.org>, wang@例子.中国, li@example.org" in printed
    assert "查看:http://x/tasks/" in printed and "附件:2026年第3期通报.docx" in printed
    assert "=?utf-8?" not in printed and "Content-Transfer-Encoding" not in printed


class Recorder:
    def __init__(self):
        self.got = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refused@"):
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.got.append((envelope.mail_from, envelope.rcpt_tos, envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, recorder
    controller.stop()


def _comparable(content: bytes) -> list:
    message = email.message_from_bytes(content)
    skip = ("Message-ID", "Date", "Content-Type")  # the type without its random boundary:
    headers = sorted((k, str(v)) for k, v in message.items() if k not in skip)
    headers.append(("type", message.get_content_type()))
    parts = [(p.get_content_type(), p.get_payload(decode=True)) for p in message.walk()]
    return [headers, [p for p in parts if p[1] is not None]]


def test_smtp_sends_what_djangos_backend_sends(smtp_server):
    port, recorder = smtp_server
    for backend in ("django.core.mail.backends.smtp.EmailBackend", "notify.backends.SMTPBackend"):
        with get_connection(backend, host="127.0.0.1", port=port, timeout=10) as connection:
            assert connection.send_messages([_wire_mail(), _wire_mail()]) == 2
    (django_a, django_b, ours_a, ours_b) = recorder.got
    assert ours_a[:2] == ours_b[:2] == django_a[:2] == django_b[:2]  # sender, recipients
    assert django_a[1] == ["czj@example.org", "wang@xn--fsqu00a.xn--fiqs8s", "li@example.org"]
    assert _comparable(ours_a[2]) == _comparable(django_a[2])


def test_smtp_refusal_raises_unless_silenced(smtp_server):
    port, recorder = smtp_server
    refused = EmailMessage("s", "b", SENDER, ["refused@example.org"])
    loud = get_connection("notify.backends.SMTPBackend", host="127.0.0.1", port=port)
    with loud, pytest.raises(smtplib.SMTPRecipientsRefused):
        loud.send_messages([refused])
    with get_connection(
        "notify.backends.SMTPBackend", host="127.0.0.1", port=port, fail_silently=True
    ) as silent:
        assert silent.send_messages([refused, EmailMessage("s", "b", SENDER, [])]) == 0
    assert recorder.got == []
