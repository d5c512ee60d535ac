"""The TOTP second factor (django-otp): required for the system-administration and centre
posts (等保: 双因素认证 for privileged users), optional for everyone else. A user who needs it
and has no confirmed device is sent to enrol one; a signed-in session is not verified until a
current code is entered. Enforced whenever GONGZHI_REQUIRE_2FA is on (the default outside demo
mode)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import django_otp
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from gongzhi.core import access, audit
from gongzhi.core.access import Role
from gongzhi.core.middleware import client_ip

PRIVILEGED = frozenset({Role.SYS_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.CENTER_SUPERVISOR, Role.CENTER_DUTY_CHIEF})


def required_for(user: Any) -> bool:
    return bool(access.roles_of(user) & PRIVILEGED) or bool(getattr(user, "is_superuser", False))


def _confirmed(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


class SecondFactorMiddleware:
    ALLOWED = ("/accounts/2fa/", "/accounts/password/", "/logout/", "/static/", "/i18n/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (settings.GONGZHI_REQUIRE_2FA and user is not None and user.is_authenticated
                and not user.is_verified() and not request.path.startswith(self.ALLOWED)
                and required_for(user)):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": _("须先完成双因素认证")}, status=403)
            return redirect("2fa-verify" if _confirmed(user) else "2fa-setup")
        return self.get_response(request)


class CodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("6 位动态码"), max_length=8, min_length=6,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code",
                                                         "autofocus": True}))


def _secret(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: show the secret (and its otpauth:// link), confirm with a code."""
    if _confirmed(request.user) and request.user.is_verified():  # type: ignore[union-attr]
        messages.info(request, _("已启用双因素认证。"))
        return redirect("home")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="authenticator", confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            django_otp.login(request, device)
            audit.record("auth.2fa_enrolled", actor=request.user, obj=request.user, ip=client_ip(request))  # type: ignore[arg-type]
            messages.success(request, _("双因素认证已启用。"))
            return redirect("home")
        form.add_error("code", _("动态码不正确或已过期，请查看验证器应用中的当前动态码。"))
    return render(request, "registration/2fa_setup.html", {
        "form": form, "secret": _secret(device), "url": device.config_url, "required": required_for(request.user),
    }, status=400 if form.errors else 200)


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    device = _confirmed(request.user)
    if device is None:
        return redirect("2fa-setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        found = django_otp.match_token(request.user, form.cleaned_data["code"].strip())
        if found is not None:
            django_otp.login(request, found)
            audit.record("auth.2fa_verified", actor=request.user, obj=request.user, ip=client_ip(request))  # type: ignore[arg-type]
            return redirect(request.GET.get("next") or "home")
        audit.record("auth.2fa_failed", actor=request.user, obj=request.user, ip=client_ip(request))  # type: ignore[arg-type]
        form.add_error("code", _("动态码不正确或已过期。"))
    return render(request, "registration/2fa_verify.html", {"form": form}, status=400 if form.errors else 200)
