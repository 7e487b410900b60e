"""Reading the bytes: text in any of the usual encodings, .docx paragraphs and tables, .xlsx."""

from __future__ import annotations

import csv
import io
import zipfile

from tasks_app.parsing.errors import ParseError
from tasks_app.parsing.text import clean_line

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

# Zip bombs: an Office file is a zip archive; refuse one that would unpack into too much.
MAX_UNZIPPED = 200 * 1024 * 1024
MAX_MEMBERS = 10_000
MAX_RATIO = 200
MAX_CELLS = 1_000_000  # cells in one worksheet (rows x columns)
CSV_DELIMITERS = "\t,;"


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK: detected, not assumed."""
    if not data.strip():
        raise ParseError("文件是空的,没有可解析的内容。")
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ParseError("文件以 UTF-16 标记开头,但内容无法按 UTF-16 读取。") from exc
    if b"\x00" in data[:8192]:
        raise ParseError("这不是文本文件(含有二进制内容)。请上传 .txt、.docx 或 .xlsx 文件。")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\r\n\t\f")
        if controls > 8:
            break
        return text
    raise ParseError("无法识别文件编码,或这不是文本文件。请另存为 UTF-8 或 GBK 编码的文本。")


def is_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def _zip_names(data: bytes) -> set[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_zip(archive)
            return set(archive.namelist())
    except zipfile.BadZipFile as exc:
        raise ParseError("文件已损坏,无法作为 .docx 或 .xlsx 打开。") from exc


def check_zip(archive: zipfile.ZipFile) -> None:
    """Refuse an archive that would unpack into too much (a zip bomb) before anything reads it."""
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise ParseError(f"压缩包内文件过多(超过 {MAX_MEMBERS} 个),拒绝解析。")
    total = sum(member.file_size for member in members)
    if total > MAX_UNZIPPED:
        raise ParseError("文件解压后超过 200 MB,拒绝解析。请精简后再上传。")
    packed = sum(member.compress_size for member in members)
    if total > 1024 * 1024 and total > MAX_RATIO * max(packed, 1):
        raise ParseError("文件压缩比异常(可能是压缩炸弹),拒绝解析。")
    for member in members:
        if member.file_size > 1024 * 1024 and member.file_size > MAX_RATIO * max(
            member.compress_size, 1
        ):
            raise ParseError("文件压缩比异常(可能是压缩炸弹),拒绝解析。")


def office_kind(data: bytes) -> str | None:
    """'docx' or 'xlsx' for an Office Open XML file, by its parts rather than its name."""
    if not is_zip(data):
        return None
    names = _zip_names(data)
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


def read_docx(data: bytes) -> list[str | list[list[str]]]:
    """The body in order: each paragraph as a line, each table as rows of cell texts."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except MemoryError:
        raise
    except Exception as exc:  # python-docx raises several types for broken files
        raise ParseError("无法读取该 .docx 文件:文件可能已损坏或不是 Word 文档。") from exc
    blocks: list[str | list[list[str]]] = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            blocks.append(Paragraph(child, document).text)
        elif tag == "tbl":
            table = Table(child, document)
            rows = []
            for row in table.rows:
                cells, last = [], None
                for cell in row.cells:
                    # A merged cell repeats in python-docx; keep it once.
                    if cell._tc is last:
                        continue
                    last = cell._tc
                    cells.append(clean_line(cell.text.replace("\n", "")))
                rows.append(cells)
            blocks.append(rows)
    return blocks


def read_xlsx(data: bytes) -> list[list[list[str]]]:
    """Every sheet as rows of cell texts, merged cells filled with their top-left value.

    A vertical merge (a 牵头单位 cell spanning two rows) thus applies to every row it spans;
    a date-typed cell reads as 2019年6月30日.
    """
    import openpyxl

    # Not read-only: read-only mode hides merged cells. The archive's size was checked already.
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except MemoryError:
        raise
    except Exception as exc:
        raise ParseError("无法读取该 .xlsx 文件:文件可能已损坏或不是 Excel 工作簿。") from exc
    sheets = []
    for sheet in workbook.worksheets:
        if (sheet.max_row or 0) * (sheet.max_column or 0) > MAX_CELLS:
            raise ParseError("工作表过大(单元格超过一百万个),请拆分后再上传。")
        fill = {}
        for merged in sheet.merged_cells.ranges:
            value = sheet.cell(merged.min_row, merged.min_col).value
            for row in range(merged.min_row, merged.max_row + 1):
                for col in range(merged.min_col, merged.max_col + 1):
                    fill[(row, col)] = value
        rows = []
        for r, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = []
            for c, value in enumerate(row, start=1):
                value = fill.get((r, c), value)
                cells.append(clean_line(_cell_text(value)))
            rows.append(cells)
        sheets.append(rows)
    return sheets


def _cell_text(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "strftime"):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\n", "")


def read_csv(data: bytes) -> list[list[str]]:
    """A .csv division table as rows of cell texts.

    UTF-8 (with or without BOM) or GB18030, detected; the separator (comma, tab or semicolon) is
    the one found on most of the first lines (csv.Sniffer is slow on hostile input).
    """
    text = decode_text(data)
    delimiter = _csv_delimiter(text)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ParseError("无法读取该 .csv 文件:格式有误。") from exc
    return [[clean_line(cell.replace("\n", "")) for cell in row] for row in rows]


def _csv_delimiter(text: str) -> str:
    lines = [line for line in text[:65536].splitlines() if line.strip()][:10]

    def score(delimiter: str) -> tuple[int, int]:
        return sum(1 for line in lines if delimiter in line), text[:65536].count(delimiter)

    best = max(CSV_DELIMITERS, key=score)  # ties: the first of "\t,;"
    return best if score(best)[1] else ","
