"""Carries who is acting and from where into services, so the audit trail can record it."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


@dataclass(frozen=True)
class RequestContext:
    ip: str
    user_agent: str


_current: ContextVar[RequestContext | None] = ContextVar("gongzhi_request", default=None)


def current_request_context() -> RequestContext | None:
    return _current.get()


def client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy rewrites it,
    # and a deployment behind one sets REMOTE_ADDR through its WSGI server.
    return str(request.META.get("REMOTE_ADDR", ""))


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ctx = RequestContext(ip=client_ip(request), user_agent=str(request.META.get("HTTP_USER_AGENT", ""))[:200])
        token = _current.set(ctx)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)


class LanguageMiddleware:
    """Chinese unless the user chose otherwise.

    Django's LocaleMiddleware would follow the browser's Accept-Language, so an office PC with
    an English browser would get an English UI. Here only the explicit switch (the language
    cookie set by /i18n/setlang/) changes the language.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        lang = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
        try:
            response = self.get_response(request)
        finally:
            # The thread serves other requests (and the sweep, commands, tests) next: one
            # user's English must not stay active for them.
            translation.deactivate()
        response.headers.setdefault("Content-Language", lang)
        return response


def api_caller(request: HttpRequest) -> Any:
    """The user an API request acts for: the session's user or the API key's (django-ninja's request.auth)."""
    return getattr(request, "auth", None)
