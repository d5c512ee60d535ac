from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from gongzhi.accounts.models import Post
from gongzhi.accounts.services import RevealRefusedError, do_reveal_phone


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
