"""HTTP against the server: a signed-in browser, and starting gunicorn."""

from __future__ import annotations

import http.client
import subprocess
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from benchmarks.national.config import (
    PASSWORD,
    PY,
    ROOT,
    VAR,
    WORKERS,
)
from benchmarks.national.procs import child_env, free_port


class Browser:
    """A signed-in session against the server: cookies kept, redirects not followed."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1800)
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(value)
            self.cookies.update({key: morsel.value for key, morsel in cookie.items()})
        return response.status, response, data

    def login(self, username: str) -> None:
        self.request("GET", "/admin/login/")
        form = urlencode(
            {
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.cookies.get("csrftoken", ""),
                "next": "/admin/",
            }
        )
        status, _response, _data = self.request(
            "POST",
            "/admin/login/",
            form,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login of {username} failed: HTTP {status}")

    def get(self, path: str) -> int:
        status, _response, data = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path}: HTTP {status}")
        return len(data)


def start_server() -> tuple[subprocess.Popen, int, Path]:
    port = free_port()
    log = VAR / "gunicorn.log"
    server = subprocess.Popen(
        [str(Path(PY).parent / "gunicorn"), "-c", "config/gunicorn.conf.py", "config.wsgi"],
        cwd=ROOT,
        env=child_env(
            BIND=f"127.0.0.1:{port}",
            WEB_CONCURRENCY=WORKERS,
            WEB_TIMEOUT="1800",  # a slow page is measured, not killed
            WEB_ACCESS_LOG="/dev/null",
        ),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # Ctrl-C reaches this process, which stops the server
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log.read_text()[-3000:]}")
        try:
            Browser(port).request("GET", "/healthz")
            return server, port, log
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer within 60 s")
