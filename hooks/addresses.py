"""Which addresses a webhook may call (no server-side request forgery), and the call itself.

Only http(s) URLs; the host is resolved and every address it resolves to must be public —
not loopback, link-local, private, shared (100.64/10), multicast, reserved or unspecified,
IPv4 or IPv6 (an IPv4-mapped IPv6 address is judged as the IPv4 one) — unless the setting
WEBHOOK_ALLOW_PRIVATE allows them. It is checked when an endpoint is registered and again
right before each call, which then connects to the very address it checked (the Host header
and TLS name stay the URL's host), so a DNS answer that changes in between is no way in.
Every call has a timeout, follows no redirect and reads at most 64 kB of the answer.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from notify.channels import ChannelError

MAX_ANSWER_BYTES = 64 * 1024


class Refused(ChannelError):
    """A URL or address a webhook may not call."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # with the query
    ip: str


def public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (
        ip.is_loopback
        or ip.is_link_local
        or ip.is_private
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def target_resolve(url: str) -> Target:
    """The URL's parts and the (checked) address to connect to; Refused if it may not be."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Refused("地址格式不正确。") from exc
    if parts.scheme not in ("http", "https"):
        raise Refused("只接受 http:// 或 https:// 地址。")
    host = parts.hostname
    if not host:
        raise Refused("地址缺少主机名。")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise Refused(f"无法解析主机 {host}。") from exc
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not addresses:
        raise Refused(f"无法解析主机 {host}。")
    if not settings.WEBHOOK_ALLOW_PRIVATE:
        refused = sorted({str(ip) for ip in addresses if not public(ip)})
        if refused:
            raise Refused(f"不允许访问内网、本机或保留地址({host} → {', '.join(refused)})。")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port, path, str(addresses[0]))


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the checked address, whatever the host name resolves to now."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.pinned = target.ip

    def connect(self) -> None:
        self.sock = socket.create_connection((self.pinned, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.pinned = target.ip

    def connect(self) -> None:
        sock = socket.create_connection((self.pinned, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass
class Answer:
    status: int
    latency_ms: int
    body: bytes


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST `body` to `url` (checked right before connecting); OSError or Refused if no answer
    came. A redirect is an answer like any other (3xx: not followed)."""
    target = target_resolve(url)
    connection_class = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
    connection = connection_class(target, timeout=settings.WEBHOOK_TIMEOUT)
    started = time.monotonic()
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read(MAX_ANSWER_BYTES)
    except http.client.HTTPException as exc:
        raise ChannelError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        connection.close()
    return Answer(response.status, round((time.monotonic() - started) * 1000), data)
