"""The JSON API (/api/, OpenAPI document at /api/docs). Errors are JSON with a `detail`."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.security import django_auth

from gongzhi.areas.api import router as areas_router

api = NinjaAPI(title="共治 API", version="1", urls_namespace="api", auth=django_auth)
api.add_router("/", areas_router)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "permission denied"}, status=403)


@api.exception_handler(ValueError)
def bad_value(request: HttpRequest, exc: ValueError) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=400)
