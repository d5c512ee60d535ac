"""Photo uploads: checked by their bytes, not by the name or the type the browser claims."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile

from gongzhi.cases.models import Attachment, Case, Step
from gongzhi.cases.services import CaseInputError

MAX_BYTES = 10 * 1024 * 1024
SIGNATURES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


def sniff(head: bytes) -> str | None:
    for magic, kind in SIGNATURES.items():
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_photo(upload: UploadedFile, field: str = "photo") -> str:
    if upload.size is None or upload.size > MAX_BYTES:
        raise CaseInputError(field, f"照片不能超过 {MAX_BYTES // 1024 // 1024} MB")
    head = upload.read(16)
    upload.seek(0)
    kind = sniff(head)
    if kind is None:
        raise CaseInputError(field, "只接受 JPEG、PNG 或 WebP 图片")
    return kind


def attach(case: Case, upload: UploadedFile, *, step: Step | None = None, field: str = "photo") -> Attachment:
    kind = check_photo(upload, field)
    return Attachment.objects.create(case=case, step=step, file=upload, content_type=kind, size=upload.size or 0)
