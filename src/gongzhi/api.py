"""The JSON API (/api/, OpenAPI document at /api/docs). Errors are JSON with a `detail`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer, django_auth

from gongzhi.accounts.tokens import user_for_key
from gongzhi.areas.api import router as areas_router
from gongzhi.cases.api import router as cases_router
from gongzhi.cases.services import CaseInputError, ConcurrentUpdateError, TransitionRefusedError


class Utf8Renderer(JSONRenderer):
    """Chinese stays readable in responses instead of \\uXXXX escapes."""

    json_dumps_params = {"ensure_ascii": False}


class TokenAuth(HttpBearer):
    """`Authorization: Bearer gz_…` — a key made with `gongzhi tokens create`."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return user_for_key(token)


# An integration's key, or a signed-in browser session; handlers read the user from request.auth.
# The key is tried first: the session check enforces CSRF and would refuse a key-only client.
api = NinjaAPI(title="共治 API", version="1", urls_namespace="api", auth=[TokenAuth(), django_auth],
               renderer=Utf8Renderer())
api.add_router("/", areas_router)
api.add_router("/", cases_router)
api.add_router("/", "gongzhi.registry.api.router")
api.add_router("/", "gongzhi.insight.api.router")


@api.exception_handler(CaseInputError)
def bad_input(request: HttpRequest, exc: CaseInputError) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc), "field": exc.field}, status=400)


@api.exception_handler(ConcurrentUpdateError)
def conflict(request: HttpRequest, exc: ConcurrentUpdateError) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=409)


@api.exception_handler(TransitionRefusedError)
def refused(request: HttpRequest, exc: TransitionRefusedError) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=400)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "permission denied"}, status=403)


@api.exception_handler(ValueError)
def bad_value(request: HttpRequest, exc: ValueError) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=400)
