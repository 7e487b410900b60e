"""A text-and-HTML mail written out directly, not through the `email` package.

Django builds every message as a tree of `email.mime` objects and runs the generic
generator over it: about 1 ms for a two-part mail, most of what the outbox spends per
reminder beside the wire. `WireMail.message()` writes the same message (the same headers,
encoded as Django encodes them, and both parts as 8-bit UTF-8) in a few dozen microseconds.
Anything it does not write the same way — attachments, extra headers, Cc or Reply-To, a
line longer than SMTP allows (Django sends those quoted-printable) — goes through Django's
own `message()`. Tested by parsing both with the `email` parser and comparing.
"""

from __future__ import annotations

import re
import secrets
from email.utils import formatdate, make_msgid
from functools import lru_cache

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import DNS_NAME, forbid_multi_line_headers

LINE_BREAK = re.compile(r"\r\n|\r|\n")
# RFC 5321's limit on a line, without its CRLF; Django switches to quoted-printable above it
MAX_LINE = 998


@lru_cache(maxsize=4096)
def header(name: str, value: str) -> str:
    """`value` as Django encodes it for header `name` (encoded words, sanitised addresses);
    the same few senders, subjects and recipients recur, so each is encoded once."""
    return LINE_BREAK.sub("\n", forbid_multi_line_headers(name, value, "utf-8")[1])


class WireBytes:
    """What a mail backend asks of `EmailMessage.message()`: the bytes, as SMTP sends them
    (`linesep="\\r\\n"`) or as the console and file backends print them."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        return self.as_string(linesep=linesep).encode()

    def as_string(self, unixfrom: bool = False, linesep: str = "\n") -> str:
        text = "\n".join(self.lines)  # a folded header holds "\n" too
        return text if linesep == "\n" else text.replace("\n", linesep)

    def get_charset(self):  # the console backend decodes with it; None means UTF-8
        return None

    def __str__(self) -> str:
        return self.as_string()


class WireMail(EmailMultiAlternatives):
    """An `EmailMultiAlternatives` of one text body and one HTML alternative, written out
    directly (see the module)."""

    def message(self):
        lines = self._wire_lines()
        return super().message() if lines is None else WireBytes(lines)

    def _wire_lines(self) -> list[str] | None:
        if (
            not self.body  # Django leaves the text part out then
            or self.attachments
            or self.extra_headers
            or self.cc
            or self.reply_to
            or len(self.alternatives) != 1
            or self.alternatives[0][1] != "text/html"
            or self.content_subtype != "plain"
            or (self.encoding or settings.DEFAULT_CHARSET).lower().replace("_", "-") != "utf-8"
        ):
            return None
        text = LINE_BREAK.split(self.body)
        html = LINE_BREAK.split(self.alternatives[0][0])
        if any(len(line.encode()) > MAX_LINE for line in (*text, *html)):
            return None
        boundary = "=_" + secrets.token_hex(16)
        while boundary in self.body or boundary in self.alternatives[0][0]:
            boundary = "=_" + secrets.token_hex(16)
        part = (
            f"--{boundary}",
            'Content-Type: text/{}; charset="utf-8"',
            "MIME-Version: 1.0",
            "Content-Transfer-Encoding: {}",
            "",
        )
        lines = [
            "Content-Type: multipart/alternative;",
            f' boundary="{boundary}"',
            "MIME-Version: 1.0",
            "Subject: " + header("Subject", self.subject),
            "From: " + header("From", self.from_email),
        ]
        if self.to:
            lines.append("To: " + header("To", ", ".join(str(to) for to in self.to)))
        lines += (
            "Date: " + formatdate(localtime=settings.EMAIL_USE_LOCALTIME),
            "Message-ID: " + make_msgid(domain=DNS_NAME),
            "",
        )
        for subtype, body in (("plain", text), ("html", html)):
            cte = "7bit" if all(line.isascii() for line in body) else "8bit"
            lines += (part[0], part[1].format(subtype), part[2], part[3].format(cte), "", *body)
        lines += (f"--{boundary}--", "")
        return lines
