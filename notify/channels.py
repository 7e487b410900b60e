"""The channels besides e-mail: 钉钉 and 企业微信 group robots, and SMS through an HTTP
gateway. Each is one HTTP POST of JSON (the standard library's urllib: no vendor SDK); a
refusal raises `ChannelError` with what the far end said, for the outbox to stamp on the
delivery and retry.

- 钉钉 custom robot: markdown message; with a signing secret ("加签"), the URL carries
  `timestamp` (ms) and `sign` = base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")).
- 企业微信 group robot: markdown message to the webhook.
- SMS: one generic adapter. POST to SMS_GATEWAY_URL the JSON {"phone", "text"} — the text
  from SMS_TEMPLATE — with `X-Timestamp` (seconds) and `X-Signature` = hex HMAC-SHA256 of
  SMS_GATEWAY_KEY over f"{timestamp}\\n{body}"; any 2xx is accepted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings

TIMEOUT = 10  # seconds a far end may take to answer


class ChannelError(Exception):
    """The far end refused the message or could not be reached."""


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    """The webhook URL with the 加签 parameters (unchanged without a secret)."""
    if not secret:
        return url
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={timestamp_ms}&sign={sign}"


def sms_signature(key: str, timestamp: str, body: bytes) -> str:
    return hmac.new(key.encode(), timestamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()


def as_json(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


def post_json(url: str, body: bytes, headers: dict | None = None) -> dict:
    """POST the JSON `body`; the answer's JSON ({} if none). Raises ChannelError on a
    non-2xx status, an unreachable host, or a robot's non-zero `errcode`."""
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            raw = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise ChannelError(f"HTTP {exc.code}: {exc.read(500).decode(errors='replace')}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise ChannelError(f"无法连接: {getattr(exc, 'reason', exc)}") from exc
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        answer = {}
    if isinstance(answer, dict) and answer.get("errcode", 0) not in (0, "0"):
        raise ChannelError(f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}")
    return answer if isinstance(answer, dict) else {}


@dataclass
class Post:
    """A message for one robot or phone, sent by `send()` (the outbox's interface)."""

    channel: str
    address: str
    secret: str
    title: str
    text: str
    link: str

    def send(self) -> None:
        if self.channel == "dingtalk":
            url = dingtalk_signed_url(self.address, self.secret, int(time.time() * 1000))
            markdown = f"### {self.title}\n\n{self.text}\n\n[查看详情]({self.link})"
            message = {"msgtype": "markdown", "markdown": {"title": self.title, "text": markdown}}
            post_json(url, as_json(message))
        elif self.channel == "wecom":
            content = f"**{self.title}**\n{self.text}\n[查看详情]({self.link})"
            message = {"msgtype": "markdown", "markdown": {"content": content}}
            post_json(self.address, as_json(message))
        elif self.channel == "sms":
            self._send_sms()
        else:
            raise ChannelError(f"未知渠道 {self.channel}")

    def _send_sms(self) -> None:
        url = settings.SMS_GATEWAY_URL
        if not url:
            raise ChannelError("未配置短信网关(SMS_GATEWAY_URL)")
        text = settings.SMS_TEMPLATE.format(
            sign=settings.SMS_SIGN, title=self.title, text=self.text, link=self.link
        )
        body = as_json({"phone": self.address, "text": text})
        timestamp = str(int(time.time()))
        headers = {"X-Timestamp": timestamp}
        if settings.SMS_GATEWAY_KEY:
            headers["X-Signature"] = sms_signature(settings.SMS_GATEWAY_KEY, timestamp, body)
        post_json(url, body, headers)
