"""Signing in: the model backend behind the throttle, the login form that says why a locked
account is refused, idle-session expiry, and the password rules (classes, no reuse)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.hashers import check_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from gongzhi.accounts import throttle
from gongzhi.core import audit
from gongzhi.core.middleware import client_ip


class ThrottledBackend(ModelBackend):
    """Refuses every attempt on a locked account or from a locked address (the admin's login
    and the site's alike); the refusal is a failed sign-in and is counted and audited."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> Any:
        ip = client_ip(request) if request is not None else ""
        if username and throttle.locked_until(username, ip):
            raise PermissionDenied("locked")  # authenticate() turns this into user_login_failed
        return super().authenticate(request, username=username, password=password, **kwargs)


def _wait_text(until: datetime) -> str:
    minutes = max(1, int((until - timezone.now()).total_seconds() // 60) + 1)
    return _("登录失败次数过多，已暂时锁定，请 %(m)s 分钟后再试。") % {"m": minutes}


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _lazy("用户名或密码不正确，请重试。"),
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request) if self.request is not None else ""
        try:
            return super().clean()
        except ValidationError:
            until = throttle.locked_until(username, ip) if username else None
            if until:
                raise ValidationError(_wait_text(until), code="locked") from None
            raise


IDLE = timedelta(minutes=int(getattr(settings, "GONGZHI_IDLE_MINUTES", 30)))
_SEEN = "gongzhi_last_seen"
TOUCH_SECONDS = 60  # activity is noted at most once a minute


class IdleTimeoutMiddleware:
    """Signs out a session left idle longer than GONGZHI_IDLE_MINUTES (absolute age is
    SESSION_COOKIE_AGE)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = timezone.now().timestamp()
            last = request.session.get(_SEEN)
            if last is not None and now - float(last) > IDLE.total_seconds():
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path(), 'idle': 1})}")
            if last is None or now - float(last) > TOUCH_SECONDS:  # not a session write per request
                request.session[_SEEN] = now
        return self.get_response(request)


class CharacterClassesValidator:
    """At least ``classes`` of: lower-case letters, upper-case letters, digits, other characters."""

    def __init__(self, classes: int = 3) -> None:
        self.classes = classes

    def validate(self, password: str, user: Any = None) -> None:
        found = sum(bool(re.search(p, password)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]"))
        if found < self.classes:
            raise ValidationError(self.get_help_text(), code="password_classes")

    def get_help_text(self) -> str:
        return _("密码须包含小写字母、大写字母、数字、符号中的至少 %(n)s 类。") % {"n": self.classes}


class NotReusedValidator:
    """Not one of the user's last ``keep`` passwords; each new password's hash is remembered."""

    def __init__(self, keep: int = 5) -> None:
        self.keep = keep

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or not getattr(user, "pk", None):
            return
        from gongzhi.accounts.models import PasswordHistory

        earlier = list(PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)[:self.keep])
        if user.password:
            earlier.append(user.password)
        if any(check_password(password, h) for h in earlier if h):
            raise ValidationError(_("不能使用最近 %(n)s 次用过的密码。") % {"n": self.keep}, code="password_reused")

    def password_changed(self, password: str, user: Any = None) -> None:
        if user is None or not getattr(user, "pk", None) or not user.password:
            return
        from gongzhi.accounts.models import PasswordHistory

        PasswordHistory.objects.create(user_id=user.pk, password=user.password)
        old = PasswordHistory.objects.filter(user_id=user.pk).values_list("pk", flat=True)[self.keep:]
        PasswordHistory.objects.filter(pk__in=list(old)).delete()

    def get_help_text(self) -> str:
        return _("不能使用最近 %(n)s 次用过的密码。") % {"n": self.keep}



class PasswordChangeRequiredMiddleware:
    """Outside demo mode, a user whose password someone else set goes to the password page
    until they have chosen their own (the API answers 403 meanwhile)."""

    ALLOWED = ("/accounts/password/", "/logout/", "/static/", "/i18n/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and getattr(user, "must_change_password", False)
                and not settings.DEMO_MODE and not request.path.startswith(self.ALLOWED)):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": _("须先修改初始密码")}, status=403)
            return redirect("password-change")
        return self.get_response(request)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.user
        get_user_model().objects.filter(pk=user.pk).update(must_change_password=False)
        audit.record("auth.password_changed", actor=user, obj=user, ip=client_ip(self.request))
        messages.success(self.request, _("密码已修改。"))
        return response
