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


def photo_problem(upload: UploadedFile) -> str | None:
    """Why ``upload`` is not an acceptable photo, or None. The forms check this before anything
    is written, so a refused photo leaves no case, step or file behind."""
    if upload.size is None or upload.size > MAX_BYTES:
        return f"照片不能超过 {MAX_BYTES // 1024 // 1024} MB"
    head = upload.read(16)
    upload.seek(0)
    if sniff(head) is None:
        return "只接受 JPEG、PNG 或 WebP 图片"
    return None


def check_photo(upload: UploadedFile, field: str = "photo") -> str:
    problem = photo_problem(upload)
    if problem is not None:
        raise CaseInputError(field, problem)
    head = upload.read(16)
    upload.seek(0)
    return sniff(head) or ""


def attach(case: Case, upload: UploadedFile, *, step: Step | None = None, field: str = "photo") -> Attachment:
    kind = check_photo(upload, field)
    return Attachment.objects.create(case=case, step=step, file=upload, content_type=kind, size=upload.size or 0)
