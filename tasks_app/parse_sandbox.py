"""Parse an uploaded document in a child process with a memory and a time limit.

One bad file (a zip bomb the reader's checks missed, a pathological table, a parser bug)
must not take the web process or the Celery worker down with it: the parse runs in
`python -m tasks_app.parse_sandbox`, limited by `resource` to PARSE_MEMORY_LIMIT_MB of
address space and PARSE_TIME_LIMIT_SECONDS of CPU (and killed at the same wall-clock
limit). Whatever happens there comes back as the documented ParseError.

The child imports only the parser (a pure package), never Django.
"""

from __future__ import annotations

import json
import logging
import sys

logger = logging.getLogger(__name__)


def parse_sandboxed(*, data: bytes | None = None, filename: str = "", text: str | None = None):
    """The outline of `data` (a file named `filename`) or of `text`, parsed in the child."""
    import resource
    import signal
    import subprocess
    from pathlib import Path

    from django.conf import settings

    from tasks_app.parsing import ParseError

    memory = settings.PARSE_MEMORY_LIMIT_MB * 1024 * 1024
    seconds = settings.PARSE_TIME_LIMIT_SECONDS
    too_long = f"解析超过 {seconds} 秒仍未完成,已停止。文件可能过大或结构异常,请拆分后再上传。"

    def limit() -> None:  # runs in the child, before it starts Python
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))

    if text is not None:
        argv, payload = ["text"], text.encode("utf-8")
    else:
        argv, payload = ["document", filename], data or b""
    try:
        child = subprocess.run(
            [sys.executable, "-m", "tasks_app.parse_sandbox", *argv],
            input=payload,
            capture_output=True,
            timeout=seconds + 2,
            preexec_fn=limit,
            cwd=Path(__file__).resolve().parent.parent,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ParseError(too_long) from exc
    try:
        answer = json.loads(child.stdout.decode("utf-8"))
    except ValueError:
        answer = None
    if child.returncode == -signal.SIGXCPU:  # its CPU time ran out
        raise ParseError(too_long)
    if child.returncode < 0 or (child.returncode == 0 and not isinstance(answer, dict)):
        # killed by a limit (SIGXCPU, SIGKILL) or out of memory before it could answer
        raise ParseError(
            "解析所需内存或时间超过上限,已停止。文件可能过大或结构异常,请拆分后再上传。"
        )
    if child.returncode != 0 or not isinstance(answer, dict):
        logger.error("parser crashed on %r:\n%s", filename, child.stderr.decode(errors="replace"))
        raise ParseError("解析该文件时出错,已记录以便修复;请检查文件,或复制粘贴正文再试。")
    if "error" in answer:
        raise ParseError(answer["error"])
    return answer["outline"]


def _child() -> int:
    from tasks_app.parsing import ParseError, parse_document, parse_text

    data = sys.stdin.buffer.read()
    try:
        if sys.argv[1] == "text":
            outline = parse_text(data.decode("utf-8"))
        else:
            outline = parse_document(data, sys.argv[2])
        answer = {"outline": outline}
    except ParseError as exc:
        answer = {"error": exc.message}
    except MemoryError:
        answer = {"error": "解析所需内存超过上限,已停止。文件可能过大或结构异常,请拆分后再上传。"}
    except RecursionError:
        answer = {"error": "文件结构过深,无法解析。"}
    sys.stdout.write(json.dumps(answer, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(_child())
