from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gongzhi.core import access
from gongzhi.core.audit import verify_chain, visible_events

PAGE_SIZE = 50
PAGE_CHECK_ROWS = 10_000  # the page checks the newest rows; `gongzhi audit verify` checks all


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    if not access.scope_roots(request.user, access.VIEW, "audit"):
        raise PermissionDenied
    events = visible_events(request.user)
    if action := request.GET.get("action", "").strip():
        events = events.filter(action=action)
    page = Paginator(events.order_by("-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    chain = verify_chain(tail=PAGE_CHECK_ROWS)
    return render(request, "core/audit_list.html", {"page": page, "chain": chain, "action": action})
