"""The JSON API (/api/, OpenAPI document at /api/docs). Errors are JSON with a `detail`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer, django_auth

from gongzhi.accounts.tokens import user_for_key
from gongzhi.areas.api import router as areas_router
from gongzhi.cases.api import router as cases_router
from gongzhi.cases.services import CaseInputError, ConcurrentUpdateError, TransitionRefusedError
from gongzhi.core.api_common import refuse_unstorable_text


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
api.add_decorator(refuse_unstorable_text)  # NUL or a lone surrogate anywhere in the input: 400, not a database error


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
    field = getattr(exc, "field", None)  # InputError, RegistryInputError and the like name the input
    return api.create_response(request, {"detail": str(exc), **({"field": field} if field else {})}, status=400)


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return api.create_response(
        request, {"detail": f"请求体超过 {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} 字节 (request body too large)"}, status=413)


@api.exception_handler(SuspiciousOperation)
@api.exception_handler(BadRequest)
@api.exception_handler(MultiPartParserError)
def unreadable(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Too many form fields, a multipart body without its boundary …: Django's plain HTML 400 otherwise.
    return api.create_response(request, {"detail": f"请求体无法读取 (unreadable request): {exc}"}, status=400)
