from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import access, audit
from gongzhi.core.audit import verify_chain, visible_events
from gongzhi.core.forms import AuditFilterForm
from gongzhi.core.models import AuditEvent
from gongzhi.core.xlsx import write_xlsx

PAGE_SIZE = 50
PAGE_CHECK_ROWS = 10_000  # the page checks the newest rows; `gongzhi audit verify` checks all
EXPORT_MAX_ROWS = 200_000


def _rows(events: QuerySet[AuditEvent]) -> Iterator[list[Any]]:
    yield [_("编号"), _("时间"), _("操作人"), _("操作"), _("对象类型"), _("对象编号"), _("对象"), _("区域"),
           _("理由"), _("来源地址"), _("详情"), _("哈希")]
    for e in events.iterator(chunk_size=2000):
        yield [e.pk, timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"), e.actor_name, e.action, e.object_type,
               e.object_id, e.object_repr, e.area_path, e.reason, e.ip or "",
               json.dumps(e.data, ensure_ascii=False, sort_keys=True) if e.data else "", e.hash]


@login_required
def audit_list(request: HttpRequest) -> HttpResponseBase:
    """The audit post's page: filter by person, object, action, address and time; export what is
    filtered (the export is itself audited); the hash chain's state on top."""
    if not access.scope_roots(request.user, access.VIEW, "audit"):
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None)
    events = visible_events(request.user)
    if form.is_bound and form.is_valid():
        events = form.apply(events)
    elif form.is_bound:
        events = events.none()
    events = events.order_by("-id")
    if request.GET.get("export") == "xlsx" and (not form.is_bound or form.is_valid()):
        filters = {k: str(v) for k, v in (form.cleaned_data if form.is_bound else {}).items() if v}
        out, count = write_xlsx(_("审计日志"), _rows(events[:EXPORT_MAX_ROWS]))
        audit.record("audit.export", actor=request.user, data={"filters": filters, "rows": count})
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return FileResponse(out, as_attachment=True, filename=f"audit-{stamp}.xlsx")
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    chain = verify_chain(tail=PAGE_CHECK_ROWS)
    return render(request, "core/audit_list.html",
                  {"page": page, "chain": chain, "form": form, "query": query.urlencode()})
