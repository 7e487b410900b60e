"""WireMail writes the message Django would have built, only faster: each case is parsed
back with the `email` package beside Django's own message and compared header by header and
part by part (the boundary, Date and Message-ID are random or the clock's)."""

import email
import io
from email import policy

import pytest
from django.core.mail import BadHeaderError, EmailMultiAlternatives
from django.core.mail.backends.console import EmailBackend as ConsoleBackend

from notify.mime import WireBytes, WireMail

FROM = "noreply@example.gov.cn"
HTML = "<p>尊敬的 <b>云川市财政局</b>：</p>\n<p>进度 40%</p>\n"
TEXT = "尊敬的 云川市财政局：\n\n你单位承担的事项将于 2026年11月25日 到期。\n"

CASES = {
    "chinese subject": ("【催办】关于「推进政务公开标准化」的提醒：还剩 3 个工作日", TEXT, HTML),
    "long ascii subject": ("Reminder " * 12, TEXT, HTML),
    "short ascii subject": ("Reminder", TEXT, HTML),
    "no trailing newline": ("提醒", "一行", "<p>一行</p>"),
    "crlf and cr line ends": ("提醒", "一\r\n二\r三\n", "<p>一</p>\r\n<p>二</p>"),
    "lines smtp treats specially": ("提醒", "From here\n.\n.. two\n", "<p>x</p>\n.\n"),
    "blank lines at the end": ("提醒", "正文\n\n\n", "<p>x</p>\n\n"),
}
RECIPIENTS = {
    "one": ["a@example.org"],
    "several": ["a@example.org", "b@example.org"],
    "chinese display name": ["张三 <zhang@example.org>", "李四 <li@example.org>"],
}


def pair(subject, text, html, to, from_email=FROM):
    built = []
    for cls in (WireMail, EmailMultiAlternatives):
        message = cls(subject, text, from_email, to)
        message.attach_alternative(html, "text/html")
        built.append(message.message())
    return built


def parsed(message) -> email.message.EmailMessage:
    return email.message_from_bytes(message.as_bytes(linesep="\r\n"), policy=policy.default)


def assert_same(wire, django):
    ours, theirs = parsed(wire), parsed(django)
    assert list(ours.keys()) == list(theirs.keys())
    for name in ours:  # header names
        if name in ("Date", "Message-ID"):
            continue
        if name == "Content-Type":
            assert ours.get_content_type() == theirs.get_content_type()
            continue
        # Django's generator folds a long subject right after "Subject:", which decodes
        # to a leading space, and drops a trailing one; the text is the same
        assert str(ours[name]).strip() == str(theirs[name]).strip(), name
    assert ours["Message-ID"].endswith(theirs["Message-ID"].split("@")[1])
    our_parts, their_parts = list(ours.iter_parts()), list(theirs.iter_parts())
    assert len(our_parts) == len(their_parts) == 2
    for mine, django_part in zip(our_parts, their_parts, strict=True):
        assert list(mine.items()) == list(django_part.items())
        assert mine.get_content() == django_part.get_content()
        assert mine.get_payload(decode=True) == django_part.get_payload(decode=True)


@pytest.mark.parametrize("recipients", RECIPIENTS.values(), ids=RECIPIENTS.keys())
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_wire_mail_is_the_message_django_builds(case, recipients):
    wire, django = pair(*case, recipients)
    assert isinstance(wire, WireBytes)
    assert_same(wire, django)


def test_a_sender_with_a_chinese_name():
    wire, django = pair(*CASES["chinese subject"], ["a@example.org"], "政务公开办 <noreply@x.cn>")
    assert_same(wire, django)
    assert str(parsed(wire)["From"]) == "政务公开办 <noreply@x.cn>"


def test_every_line_ends_in_crlf_on_the_wire():
    wire, _ = pair(*CASES["crlf and cr line ends"], ["a@example.org"])
    raw = wire.as_bytes(linesep="\r\n")
    assert raw.count(b"\n") == raw.count(b"\r\n")
    assert b"\r\r" not in raw
    assert raw.endswith(b"--\r\n")


@pytest.mark.parametrize(
    "change",
    [
        lambda m: m.attach("a.txt", "x", "text/plain"),
        lambda m: m.extra_headers.update({"X-Priority": "1"}),
        lambda m: m.cc.append("c@example.org"),
        lambda m: m.reply_to.append("r@example.org"),
        lambda m: m.attach_alternative("x", "text/markdown"),
        lambda m: setattr(m, "body", "长" * 400),  # 1,200 bytes on one line
        lambda m: setattr(m, "body", ""),
    ],
    ids=["attachment", "extra header", "cc", "reply-to", "third part", "long line", "no text"],
)
def test_what_it_does_not_write_goes_through_django(change):
    message = WireMail("提醒", TEXT, FROM, ["a@example.org"])
    message.attach_alternative(HTML, "text/html")
    change(message)
    built = message.message()
    assert not isinstance(built, WireBytes)
    assert built.as_bytes()  # Django's own, as before


def test_a_header_with_a_line_break_is_refused():
    message = WireMail("提醒\nBcc: x@example.org", TEXT, FROM, ["a@example.org"])
    message.attach_alternative(HTML, "text/html")
    with pytest.raises(BadHeaderError):
        message.message()


def test_the_console_backend_prints_it_readable():
    message = WireMail("提醒", TEXT, FROM, ["a@example.org"])
    message.attach_alternative(HTML, "text/html")
    stream = io.StringIO()
    ConsoleBackend(stream=stream).send_messages([message])
    assert "尊敬的 云川市财政局" in stream.getvalue()
    assert "Subject: =?utf-8?b?" in stream.getvalue()
