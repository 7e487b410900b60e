"""The README's first command: sets up, serves, runs worker and beat; Ctrl-C stops all."""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest

from tests.processes import ROOT, Process, clean_env

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _log_in(base: str, username: str, password: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/admin/login/").read()
    token = next(c.value for c in jar if c.name == "csrftoken")
    data = urllib.parse.urlencode(
        {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": token,
            "next": "/admin/",
        }
    ).encode()
    return opener.open(f"{base}/admin/login/?next=/admin/", data).read().decode()


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc to find the child processes")
def test_run_command_serves_admin_runs_worker_and_beat_and_ctrl_c_stops_all(tmp_path):
    port = _free_port()
    launcher = Process(
        [sys.executable, str(ROOT / "scripts" / "dev.py"), "run", "--port", str(port)],
        clean_env(VAR_DIR=str(tmp_path)),
    )
    try:
        launcher.wait_for("已启动", timeout=240)
        launcher.wait_for("按 Ctrl-C", timeout=10)
        for line in ("ready.", "beat: Starting"):  # worker and beat say they are up
            if line not in launcher.output:
                launcher.wait_for(line, timeout=60)
        # the demo's notices reach the worker's console readable, linking to this very port
        link = f"查看:http://127.0.0.1:{port}/tasks/"
        if link not in launcher.output:  # maybe printed before the banner
            launcher.wait_for(link, timeout=120)
        output = launcher.output
        assert "主题:【新交办】你单位有" in output and "收件人:unit-" in output
        assert "=?utf-8?" not in output  # no encoded words: decoded for a person to read
        password = re.search(r"coordinator\s+(\S+)", output).group(1)

        page = _log_in(f"http://127.0.0.1:{port}", "coordinator", password)
        assert "工作要点督办系统" in page and "单位" in page

        children = _children(launcher.proc.pid)
        assert len(children) == 3  # web, worker, beat
        launcher.proc.send_signal(signal.SIGINT)
        assert launcher.proc.wait(timeout=60) == 0, launcher.output
        time.sleep(0.5)
        assert not [pid for pid in children if _alive(pid)], launcher.output
        assert "已全部停止" in launcher.output
    finally:
        if launcher.proc.poll() is None:
            launcher.proc.kill()
            subprocess.run(["pkill", "-f", str(tmp_path)], check=False)
