"""What may be attached to a report as evidence: files by their real content (not only their
extension), within the size limit, and http(s) links."""

from __future__ import annotations

import zipfile
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator

from core.errors import ApplicationError
from tasks_app.models import Evidence

ALLOWED_EVIDENCE = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
ALLOWED_LABEL = "PDF、Word(.docx)、Excel(.xlsx)、图片(PNG/JPG/GIF/WebP)"


def _content_kind(head: bytes, upload: UploadedFile) -> str | None:
    """What the bytes really are (by their signature), as one of our extensions."""
    if head.startswith(b"%PDF-"):
        return ".pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if head.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return ".gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ".webp"
    if head.startswith(b"PK\x03\x04"):
        try:
            upload.seek(0)
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        finally:
            upload.seek(0)
        if "word/document.xml" in names:
            return ".docx"
        if "xl/workbook.xml" in names:
            return ".xlsx"
    return None


def evidence_check_file(upload: UploadedFile) -> str:
    """Refuse an oversized file (by its size, before reading) or a type we do not accept;
    returns the content type to record."""
    limit = settings.EVIDENCE_MAX_BYTES
    name = upload.name or ""
    if upload.size > limit:
        raise ApplicationError(
            f"“{name}”过大({upload.size / 1024 / 1024:.1f} MB),每个文件不超过 "
            f"{limit // (1024 * 1024)} MB。"
        )
    extension = PurePath(name).suffix.lower()
    if extension not in ALLOWED_EVIDENCE:
        raise ApplicationError(f"“{name}”的类型不允许上传。可上传:{ALLOWED_LABEL}。")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = _content_kind(head, upload)
    same = kind == extension or {kind, extension} == {".jpg", ".jpeg"}
    if not same:
        raise ApplicationError(f"“{name}”的内容与扩展名不符或文件已损坏。可上传:{ALLOWED_LABEL}。")
    return ALLOWED_EVIDENCE[extension]


LINK_MAX = Evidence._meta.get_field("url").max_length


def evidence_check_link(link: str) -> str:
    link = link.strip()
    if len(link) > LINK_MAX:
        raise ApplicationError(f"链接过长({len(link)} 个字符),每个链接不超过 {LINK_MAX} 个字符。")
    try:
        URLValidator(schemes=["http", "https"])(link)
    except ValidationError as exc:
        raise ApplicationError(
            f"链接“{link}”不是有效的网址(应以 http:// 或 https:// 开头)。"
        ) from exc
    return link
