"""Start real processes (Celery workers, the launcher) and read their output with timeouts."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def clean_env(**overrides: str) -> dict:
    """This environment without service URLs, plus `overrides`."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(PYTHONUNBUFFERED="1", **overrides)
    return env


class Process:
    """A child process whose merged output is collected line by line in the background."""

    def __init__(self, argv: list[str], env: dict) -> None:
        self.proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self._queue.put(line)
        self._queue.put(None)

    def wait_for(self, text: str, timeout: float) -> str:
        """Read output until a line contains `text`; fail with the output so far if it doesn't."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                line = self._queue.get(timeout=max(remaining, 0.01))
            except queue.Empty:
                line = ""
                if remaining <= 0:
                    break
            if line is None:
                break
            self.lines.append(line)
            if text in line:
                return line
        raise AssertionError(f"never saw {text!r}; output was:\n{self.output}")

    @property
    def output(self) -> str:
        while True:
            try:
                line = self._queue.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                self.lines.append(line)
        return "".join(self.lines)

    def stop(self, timeout: float = 20) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def celery_worker(env: dict, *, queue_name: str = "celery") -> Process:
    env = {**env, "CELERY_QUEUE": queue_name}  # what the worker itself queues stays here too
    worker = Process(
        [
            str(VENV_BIN / "celery"),
            "-A",
            "config",
            "worker",
            "-l",
            "INFO",
            "--pool",
            "solo",
            "-Q",
            queue_name,
            "-n",
            f"{queue_name}@%h",
            "--without-mingle",
            "--without-gossip",
        ],
        env,
    )
    worker.wait_for("ready.", timeout=60)
    return worker
