#!/usr/bin/env python3
"""The README's two commands.

    python3 scripts/dev.py run    # set up if needed, then web server + Celery worker + beat
    python3 scripts/dev.py test   # set up if needed, then ruff and pytest

Standard library only: it runs before the virtual environment exists.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
PY = BIN / "python"


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def ensure_env(requirements: str) -> None:
    """Create .venv if needed and install `requirements` when they changed since last time."""
    if sys.version_info < (3, 11):  # noqa: UP036 - any python3 may start this script
        sys.exit(f"需要 Python 3.11 或更高版本,当前是 {sys.version.split()[0]}。")
    if not PY.exists():
        say("创建虚拟环境 .venv")
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256()
    for name in sorted({"requirements.txt", requirements}):
        digest.update((ROOT / name).read_bytes())
    stamp = VENV / f".installed-{requirements}"
    if stamp.exists() and stamp.read_text() == digest.hexdigest():
        return
    say(f"安装依赖 {requirements}")
    subprocess.check_call(
        [str(PY), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", requirements],
        cwd=ROOT,
    )
    stamp.write_text(digest.hexdigest())


def var_dir() -> Path:
    return Path(os.environ.get("VAR_DIR", ROOT / "var"))


def ensure_dotenv() -> None:
    """A developer's var/.env: DEBUG on and a random secret, so manage.py works locally too."""
    path = var_dir() / ".env"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(
            "# Local development settings, written by scripts/dev.py (git-ignored).\n"
            f"DEBUG=1\nSECRET_KEY={secrets.token_urlsafe(50)}\n"
        )


def manage(*args: str, env: dict) -> None:
    subprocess.check_call([str(PY), "manage.py", *args], cwd=ROOT, env=env)


def port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


class Supervisor:
    """Runs the processes side by side, prefixes their output, stops them all together."""

    def __init__(self, env: dict) -> None:
        self.env = env
        self.procs: dict[str, subprocess.Popen] = {}
        self.stopping = threading.Event()
        self.ready: dict[str, threading.Event] = {}
        self._ready_text: dict[str, str] = {}
        # sys.stdout is not thread-safe: one lock keeps lines whole and in order.
        self.output_lock = threading.Lock()

    def start(self, label: str, argv: list[str], ready_text: str = "") -> None:
        """Start a process; `ready_text` in its output marks it as up."""
        self.ready[label] = threading.Event()
        self._ready_text[label] = ready_text
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,  # Ctrl-C reaches us only; we stop the children in order
        )
        self.procs[label] = proc
        threading.Thread(target=self._pump, args=(label, proc), daemon=True).start()

    def _pump(self, label: str, proc: subprocess.Popen) -> None:
        for line in proc.stdout:
            self.echo(f"{label:<6} | {line}")
            if self._ready_text[label] and self._ready_text[label] in line:
                self.ready[label].set()

    def echo(self, text: str) -> None:
        with self.output_lock:
            sys.stdout.write(text)
            sys.stdout.flush()

    def wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        for label, event in self.ready.items():
            if self._ready_text[label] and not event.wait(max(0.0, deadline - time.monotonic())):
                return False
        return True

    def stop(self, *_signal_args) -> None:
        self.stopping.set()

    def wait(self) -> int:
        """Block until Ctrl-C/SIGTERM or until a process dies; then stop everything."""
        code = 0
        while not self.stopping.is_set():
            for label, proc in self.procs.items():
                if proc.poll() is not None:
                    say(f"{label} 已退出(退出码 {proc.returncode}),正在停止其他进程")
                    code = 1
                    self.stopping.set()
                    break
            self.stopping.wait(0.5)
        say("正在停止 web、worker、beat …")
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()  # each stops its own children (Celery's pool, say)
        deadline = time.monotonic() + 15
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        say("已全部停止")
        return code


def wait_for_http(url: str, timeout: float, supervisor: Supervisor) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not supervisor.stopping.is_set():
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except OSError:
            time.sleep(0.5)
    return False


def cmd_run(args: argparse.Namespace) -> int:
    ensure_env("requirements.txt")
    ensure_dotenv()
    if not port_free(args.host, args.port):
        sys.exit(f"端口 {args.port} 已被占用:请先停止占用它的程序,或用 --port 指定其他端口。")
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "DJANGO_SETTINGS_MODULE": "config.settings"}
    base = f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '') else args.host}:{args.port}"
    dotenv = (var_dir() / ".env").read_text().splitlines()
    if "SITE_URL" not in env and not any(line.startswith("SITE_URL=") for line in dotenv):
        env["SITE_URL"] = base  # links in mails and robot messages point at this server
    say("迁移数据库")
    manage("migrate", "--noinput", "-v", "0", env=env)
    say("导入演示数据")
    demo = subprocess.run(
        [str(PY), "manage.py", "load_demo"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    print(demo, end="")

    sup = Supervisor(env)
    signal.signal(signal.SIGINT, sup.stop)
    signal.signal(signal.SIGTERM, sup.stop)
    address = f"{args.host}:{args.port}"
    sup.start("web", [str(PY), "manage.py", "runserver", address, "--noreload"])
    sup.start(
        "worker",
        [
            str(BIN / "celery"),
            "-A",
            "config",
            "worker",
            "-l",
            "INFO",
            "--concurrency",
            "2",
            "-n",
            "worker@%h",
        ],
    )
    sup.start(
        "beat",
        [
            str(BIN / "celery"),
            "-A",
            "config",
            "beat",
            "-l",
            "INFO",
            "-s",
            str(var_dir() / "celerybeat-schedule"),
        ],
    )
    if wait_for_http(f"{base}/accounts/login/", 60, sup) and sup.wait_ready(60):
        sup.echo(
            "\n"
            "================================================================\n"
            f"  工作要点督办系统已启动:{base}/\n"
            f"  管理后台(协调员、领导):{base}/admin/\n"
            f"  单位工作台(部门、县区用户):{base}/accounts/login/\n"
            f"{demo}"
            "  按 Ctrl-C 停止 web、worker 和 beat。\n"
            "================================================================\n"
        )
    return sup.wait()


def cmd_test(args: argparse.Namespace) -> int:
    ensure_env("requirements-dev.txt")
    ensure_dotenv()
    say("ruff check")
    lint = subprocess.call([str(BIN / "ruff"), "check", "."], cwd=ROOT)
    say("ruff format --check")
    fmt = subprocess.call([str(BIN / "ruff"), "format", "--check", "."], cwd=ROOT)
    say("pytest")
    tests = subprocess.call([str(BIN / "pytest"), *args.pytest_args], cwd=ROOT)
    if lint or fmt:
        say("ruff 检查未通过(见上)")
    return tests or lint or fmt


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="启动 web 服务、Celery worker 与 beat(Ctrl-C 全部停止)")
    run.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    run.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    run.set_defaults(func=cmd_run)
    test = sub.add_parser("test", help="运行 ruff 与 pytest(其余参数原样传给 pytest)")
    test.set_defaults(func=cmd_test)
    # Everything after `test` that is not ours goes to pytest as written (`-k directory`,
    # `--shift-clock 400`, test paths …), in its order.
    args, rest = parser.parse_known_args()
    if args.command != "test" and rest:
        parser.error(f"无法识别的参数:{' '.join(rest)}")
    args.pytest_args = rest
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
