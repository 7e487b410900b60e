"""Local HTTP servers standing in for the 钉钉 and 企业微信 robots and the SMS gateway: each
checks a request's signature as the real one would (refusing a bad one with 403), records
every request, and can hold one request unanswered (to catch a worker mid-chunk)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

DING_SECRET = "SEC-test-secret"
SMS_KEY = "gateway-key"


class Endpoint:
    """Records each request ({"path", "query", "json", "problem"}) and replies `answer`."""

    def __init__(self, check) -> None:
        self.requests: list[dict] = []
        self.answer = (200, {"errcode": 0, "errmsg": "ok"})
        self.answers: list[tuple[int, dict]] = []  # answered first, one each, before `answer`
        self.hold_request: int | None = None  # the n-th request (from 1) waits for `release`
        self.held = threading.Event()  # set when that request has arrived
        self.release = threading.Event()
        self._lock = threading.Lock()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                problem = check(self.path, dict(self.headers), body)
                query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                record = {"path": self.path, "query": query, "json": json.loads(body)}
                record |= {"headers": dict(self.headers), "body": body}
                with endpoint._lock:
                    endpoint.requests.append({**record, "problem": problem})
                    number = len(endpoint.requests)
                if number == endpoint.hold_request:
                    endpoint.held.set()
                    endpoint.release.wait(timeout=120)
                with endpoint._lock:
                    scripted = endpoint.answers.pop(0) if endpoint.answers else endpoint.answer
                status, answer = (403, {"errcode": 403}) if problem else scripted
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the sender is gone (a killed worker)
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def dingtalk_check(path, headers, body, secret: str = DING_SECRET) -> str:
    query = parse_qs(urlsplit(path).query)
    if "timestamp" not in query or "sign" not in query:
        return "unsigned"
    timestamp, sign = query["timestamp"][0], query["sign"][0]
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return "" if base64.b64encode(digest).decode() == sign else "bad sign"


def sms_check(path, headers, body, key: str = SMS_KEY) -> str:
    timestamp = headers.get("X-Timestamp", "")
    expected = hmac.new(key.encode(), timestamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()
    return "" if headers.get("X-Signature") == expected else "bad signature"


def webhook_check(secret: str):
    """A webhook receiver's check: the signature over "<timestamp>.<body>", written out by
    hand (not hooks' own code), and the other headers present."""

    def check(path, headers, body) -> str:
        timestamp = headers.get("X-Webhook-Timestamp", "")
        expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
        if not timestamp.isdigit() or not headers.get("X-Webhook-Id", "").isdigit():
            return "missing headers"
        if headers.get("X-Webhook-Signature") != "sha256=" + expected.hexdigest():
            return "bad signature"
        return ""

    return check


def endpoints_start() -> dict[str, Endpoint]:
    """One server per channel: "dingtalk", "wecom", "sms" (close each when done)."""
    return {
        "dingtalk": Endpoint(dingtalk_check),
        "wecom": Endpoint(lambda *a: ""),
        "sms": Endpoint(sms_check),
    }
