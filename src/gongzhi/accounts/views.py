from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.accounts.models import LoginThrottle, Post
from gongzhi.accounts.security import security_state
from gongzhi.accounts.services import RevealRefusedError, do_reveal_phone
from gongzhi.core import access, audit


@require_POST
@login_required
def reveal_phone(request: HttpRequest, post_id: int) -> HttpResponse:
    post = Post.objects.select_related("user", "area").filter(pk=post_id, is_active=True).first()
    if post is None:
        raise Http404
    try:
        phone = do_reveal_phone(request.user, post, request.POST.get("reason", ""))
    except RevealRefusedError as exc:
        return render(request, "accounts/reveal.html", {"post": post, "error": str(exc)}, status=400)
    response = render(request, "accounts/reveal.html", {"post": post, "phone": phone})
    response["Cache-Control"] = "no-store"
    return response


def _require_security(user: object, action: str = access.VIEW) -> None:
    if not access.scope_roots(user, action, "security"):
        raise PermissionDenied


@login_required
def security_overview(request: HttpRequest) -> HttpResponse:
    """The security administrator's page: the policies in force, who is locked out, the keys'
    state and who holds which post."""
    _require_security(request.user)
    return render(request, "accounts/security.html", security_state())


@require_POST
@login_required
def unlock(request: HttpRequest, throttle_id: int) -> HttpResponse:
    _require_security(request.user, access.CHANGE)
    row = LoginThrottle.objects.filter(pk=throttle_id).first()
    if row is not None:
        row.delete()
        audit.record("security.unlock", actor=request.user, data={"key": row.key, "failures": row.failures})
        messages.success(request, _("已解除锁定：%(key)s") % {"key": row.key})
    return redirect("security-overview")
