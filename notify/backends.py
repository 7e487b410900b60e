"""Our mail backends, swapped in for Django's by the settings: on a first run (no EMAIL_URL)
each mail printed as a person reads it — sender, recipients, the decoded subject, the text
part and the names of attachments — on the worker's console, rather than its MIME source
(encoded words, base64); over SMTP, Django's backend with each address sanitised once."""

from __future__ import annotations

import smtplib
from functools import lru_cache

from django.conf import settings
from django.core.mail.backends import smtp
from django.core.mail.backends.console import EmailBackend
from django.core.mail.message import sanitize_address

RULE = "-" * 72


class ReadableConsoleBackend(EmailBackend):
    def write_message(self, message) -> None:
        lines = [
            RULE,
            f"发件人:{message.from_email}",
            f"收件人:{', '.join(message.recipients())}",
            f"主题:{message.subject}",
        ]
        names = [a[0] if isinstance(a, tuple) else a.get_filename() for a in message.attachments]
        if names:
            lines.append(f"附件:{'、'.join(str(n) for n in names)}")
        lines += ["", message.body.rstrip("\n"), RULE, ""]
        self.stream.write("\n".join(lines))


@lru_cache(maxsize=4096)
def _address(address: str, encoding: str) -> str:
    return sanitize_address(address, encoding)


class SMTPBackend(smtp.EmailBackend):
    """Django's SMTP backend, but each address is sanitised once, not once a mail: the outbox
    sends thousands of mails from one sender to a few thousand units, and parsing their
    addresses again was a sixth of its time on the wire. Everything else is Django's."""

    def _send(self, email_message) -> bool:
        recipients = email_message.recipients()
        if not recipients:
            return False
        encoding = email_message.encoding or settings.DEFAULT_CHARSET
        message = email_message.message()
        try:
            self.connection.sendmail(
                _address(email_message.from_email, encoding),
                [_address(addr, encoding) for addr in recipients],
                message.as_bytes(linesep="\r\n"),
            )
        except smtplib.SMTPException:
            if not self.fail_silently:
                raise
            return False
        return True
