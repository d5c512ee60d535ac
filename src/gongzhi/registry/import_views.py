"""台账导入 pages: upload → column mapping → validation report → import → result.

Thin views: they save the upload, call registry.importing, and render the ImportJob it updates.
A large file is checked and written in a background thread; the page polls the job's counts (htmx).
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from gongzhi.core import access
from gongzhi.registry import importing
from gongzhi.registry.ledger import KIND_CHOICES, LEDGERS, auto_map, field_choices
from gongzhi.registry.models import ImportJob, ImportStatus

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
BACKGROUND_BYTES = 2 * 1024 * 1024  # above this, the import runs in a thread and the page polls


def _check_may_import(request: HttpRequest) -> None:
    if not access.scope_roots(request.user, access.CHANGE, "registry"):
        raise PermissionDenied(_("您没有导入台账的权限。"))


def _job(request: HttpRequest, pk: int) -> ImportJob:
    _check_may_import(request)
    job = get_object_or_404(ImportJob, pk=pk)
    if job.uploaded_by_id != request.user.pk:
        raise Http404
    return job


def _tag_labels(kind: str) -> list[str]:
    return importing.tag_field_labels() if kind == "tags" else []


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    _check_may_import(request)
    ctx = {"kinds": KIND_CHOICES, "kind": request.POST.get("kind", "people"), "max_mb": MAX_UPLOAD_BYTES // 2**20,
           "recent": ImportJob.objects.filter(uploaded_by_id=request.user.pk)[:10]}
    if request.method != "POST":
        return render(request, "registry/import_upload.html", ctx)
    kind, file = request.POST.get("kind", ""), request.FILES.get("file")
    error = ""
    if kind not in LEDGERS:
        error = _("请选择台账类型。")
    elif file is None:
        error = _("请选择要上传的文件。")
    elif not file.size:
        error = _("文件是空的（0 字节）：请选择要导入的台账文件。")
    elif file.size is not None and file.size > MAX_UPLOAD_BYTES:
        error = _("文件太大（%(size)d MB），上限为 %(max)d MB；请拆分后上传。") % {
            "size": file.size // 2**20, "max": MAX_UPLOAD_BYTES // 2**20}
    elif Path(file.name or "").suffix.lower() not in importing.ACCEPTED_SUFFIXES:
        error = _("不支持的文件格式：请上传 xlsx、xls 或 csv 文件。")
    if error:
        return render(request, "registry/import_upload.html", {**ctx, "error": error}, status=400)
    assert file is not None
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{Path(file.name or '').suffix.lower()}"
    with path.open("wb") as out:
        for chunk in file.chunks():
            out.write(chunk)
    try:
        headers = importing.LedgerFile(path).headers
    except importing.ImportFileError as exc:
        path.unlink(missing_ok=True)
        return render(request, "registry/import_upload.html", {**ctx, "error": str(exc)}, status=400)
    job = ImportJob.objects.create(kind=kind, file_name=(file.name or "")[:200], file_path=str(path),
                                   uploaded_by_id=request.user.pk, headers=headers,
                                   mapping=auto_map(LEDGERS[kind], headers, _tag_labels(kind)))
    return redirect("registry-import-job", pk=job.pk)


@login_required
def job_page(request: HttpRequest, pk: int) -> HttpResponse:
    job = importing.with_live_counts(_job(request, pk))
    return render(request, "registry/import_job.html", _job_context(job))


def _job_context(job: ImportJob, **extra: object) -> dict[str, object]:
    ledger = LEDGERS[job.kind]
    choices = field_choices(ledger, _tag_labels(job.kind))
    rows = [{"index": i, "header": h, "field": job.mapping.get(h, "")} for i, h in enumerate(job.headers) if h]
    return {"job": job, "ledger": ledger, "choices": choices, "rows": rows, "running": job.status in importing.RUNNING,
            "required": [c.label for c in ledger.required], **extra}


@login_required
@require_POST
def mapping(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the chosen mapping and check the file against it (pass 1: nothing written)."""
    job = _job(request, pk)
    if job.status in importing.RUNNING:
        return redirect("registry-import-job", pk=job.pk)
    chosen = {h: request.POST.get(f"map-{i}", "") for i, h in enumerate(job.headers) if h}
    try:
        job.mapping = importing.check_mapping(job.kind, job.headers, {h: f for h, f in chosen.items() if f})
    except importing.MappingError as exc:
        job.mapping = {h: f for h, f in chosen.items() if f}
        return render(request, "registry/import_job.html", _job_context(job, error=str(exc)), status=400)
    job.status = ImportStatus.VALIDATING
    job.save(update_fields=["mapping", "status"])
    importing.start_job(job, write=False, background=_is_large(job))
    return redirect("registry-import-job", pk=job.pk)


@login_required
@require_POST
def run(request: HttpRequest, pk: int) -> HttpResponse:
    """Import: ``mode=all`` (default: nothing is written if any row is bad) or ``mode=valid``."""
    job = _job(request, pk)
    if job.status != ImportStatus.VALIDATED:
        return redirect("registry-import-job", pk=job.pk)
    job.valid_rows_only = request.POST.get("mode") == "valid"
    job.status = ImportStatus.IMPORTING
    job.save(update_fields=["valid_rows_only", "status"])
    importing.start_job(job, write=True, background=_is_large(job))
    return redirect("registry-import-job", pk=job.pk)


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    if job.status not in importing.RUNNING:
        job.status = ImportStatus.CANCELLED
        job.save(update_fields=["status"])
        Path(job.file_path).unlink(missing_ok=True)
    return redirect("registry-import")


@login_required
def progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar, polled by htmx while the job runs; when it ends, the page reloads."""
    job = importing.with_live_counts(_job(request, pk))
    if job.status not in importing.RUNNING and request.headers.get("HX-Request"):
        return HttpResponseClientRefresh()
    return render(request, "registry/import_progress.html", {"job": job, "running": job.status in importing.RUNNING})


@login_required
def report(request: HttpRequest, pk: int) -> FileResponse:
    job = _job(request, pk)
    if not job.report_path or not Path(job.report_path).exists():
        raise Http404
    return FileResponse(Path(job.report_path).open("rb"), as_attachment=True,
                        filename=f"{Path(job.file_name).stem}-错误报告.xlsx")


def _is_large(job: ImportJob) -> bool:
    try:
        return Path(job.file_path).stat().st_size > BACKGROUND_BYTES
    except OSError:
        return False
