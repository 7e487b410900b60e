"""The mail backend of a first run (no EMAIL_URL): each mail printed as a person reads it
— sender, recipients, the decoded subject, the text part and the names of attachments —
on the worker's console, rather than its MIME source (encoded words, base64)."""

from __future__ import annotations

from django.core.mail.backends.console import EmailBackend

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
