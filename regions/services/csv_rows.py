"""Reading the directory's CSV files: any common encoding, headers by their known names."""

from __future__ import annotations

import csv
import io

from core.errors import ApplicationError
from core.models import normalize_name


def csv_decode(data: bytes) -> str:
    if not data.strip():
        raise ApplicationError("文件为空。")
    if b"\x00" in data:
        raise ApplicationError("这不是文本(CSV)文件。")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ApplicationError("无法识别文件编码,请另存为 UTF-8 或 GBK 编码的 CSV。")


def csv_rows(data: bytes, headers: dict[str, str], required: set[str]) -> list[tuple[int, dict]]:
    """(line number, {column: value}) for each non-empty row; columns by `headers`."""
    reader = csv.reader(io.StringIO(csv_decode(data)))
    header = next(reader, [])
    columns = [headers.get(normalize_name(h).lower()) for h in header]
    missing = required - set(columns)
    if missing:
        wanted = ",".join(sorted(required))
        raise ApplicationError(
            f"CSV 缺少必需的列:{'、'.join(sorted(missing))}(首行应为列名,如 {wanted})。"
        )
    rows = []
    for line_no, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        row = {col: (values[i].strip() if i < len(values) else "") for i, col in enumerate(columns)}
        row.pop(None, None)
        rows.append((line_no, row))
    return rows
