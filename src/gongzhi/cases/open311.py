"""Open311 GeoReport v2 at /open311/v2/ — XML (required by the spec) and JSON.

Services are the active leaf categories of the 派单目录; a POSTed request becomes a 12345 case
(channel open311) located in its grid. Reads are public and carry no personal data: the
description is the case's title and points are rounded to ~100 m. Errors follow the spec:
403 for a missing or bad api_key, 404 for an unknown jurisdiction, service, request or token,
405 for a method an endpoint does not take, 413 for a body over the upload limit, 400 for
everything else, each with an ``errors`` body.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any
from xml.etree import ElementTree as ET

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from gongzhi.accounts.tokens import user_for_key
from gongzhi.areas.models import Area, Level
from gongzhi.cases.models import Case, Category
from gongzhi.cases.services import CaseInputError, do_intake

MAX_RESULTS = 1000
MIN_YEAR, MAX_YEAR = 1900, 9998
DEFAULT_SPAN = timedelta(days=90)
Payload = list[dict[str, Any]]


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        self.status, self.description = status, description
        super().__init__(description)


def jurisdiction() -> str:
    return str(getattr(settings, "GONGZHI_OPEN311_JURISDICTION", "gongzhi"))


def render(payload: Payload | dict[str, Any], fmt: str, root: str, item: str, status: int = 200) -> HttpResponse:
    if fmt == "json":
        return HttpResponse(json.dumps(payload, ensure_ascii=False, default=str), status=status,
                            content_type="application/json; charset=utf-8")
    top = ET.Element(root)
    for entry in payload if isinstance(payload, list) else [payload]:
        _fill(ET.SubElement(top, item), entry) if item else _fill(top, entry)
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, encoding="utf-8", xml_declaration=False)
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


def _fill(element: ET.Element, data: dict[str, Any]) -> None:
    for key, value in data.items():
        if isinstance(value, list):
            holder = ET.SubElement(element, key)
            for entry in value:
                child = ET.SubElement(holder, key.rstrip("s"))
                if isinstance(entry, dict):
                    _fill(child, entry)
                else:
                    child.text = str(entry)
        else:
            ET.SubElement(element, key).text = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def error(status: int, description: str, fmt: str) -> HttpResponse:
    return render([{"code": status, "description": description}], fmt if fmt in ("xml", "json") else "xml",
                  "errors", "error", status=status)


def endpoint(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Shared rules: the format suffix, the jurisdiction, and errors as the spec's bodies."""

    @csrf_exempt
    def wrapped(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
        if fmt not in ("xml", "json"):
            return error(400, f"unknown format .{fmt}: use .xml or .json", "xml")
        try:
            params = request.POST if request.method == "POST" else request.GET
        except RequestDataTooBig:
            return error(413, f"the request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes", fmt)
        except (SuspiciousOperation, BadRequest, MultiPartParserError) as exc:  # too many fields, a broken multipart
            return error(400, f"the request body cannot be read: {exc}", fmt)
        bad = next((k for k, values in params.lists() if any("\x00" in v for v in values)), None)
        if bad is not None:
            return error(400, f"{bad}: NUL characters are not allowed", fmt)
        wanted = params.get("jurisdiction_id", "").strip()
        if wanted and wanted != jurisdiction():
            return error(404, f"unknown jurisdiction_id {wanted}", fmt)
        try:
            return view(request, fmt, **kwargs)
        except Open311Error as exc:
            return error(exc.status, exc.description, fmt)

    wrapped.__name__ = view.__name__
    return wrapped


def get_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """GET (or HEAD) only: any other method gets the spec's error body with a 405, not an empty page."""

    @wraps(view)
    def wrapped(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return not_allowed(request, fmt, "GET, HEAD")
        return view(request, fmt, **kwargs)

    return wrapped


def not_allowed(request: HttpRequest, fmt: str, allow: str) -> HttpResponse:
    response = error(405, f"method {request.method} not allowed: use {allow}", fmt)
    response["Allow"] = allow
    return response


@get_only
@endpoint
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri("/open311/v2/")
    return render({
        "changeset": "2026-11-22T00:00:00+08:00", "contact": "12345", "key_service": "gongzhi tokens create",
        "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2", "url": base,
                       "changeset": "2026-11-22T00:00:00+08:00", "type": "production", "formats": ["text/xml", "application/json"]}],
    }, fmt, "discovery", "")


def _services() -> list[Category]:
    return list(Category.objects.filter(is_active=True, children__isnull=True).select_related("parent").order_by("code"))


def service_out(c: Category) -> dict[str, Any]:
    return {"service_code": c.code, "service_name": c.name, "description": c.name, "metadata": False,
            "type": "realtime", "keywords": ",".join(c.keywords.split()), "group": c.parent.name if c.parent else ""}


@get_only
@endpoint
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    return render([service_out(c) for c in _services()], fmt, "services", "service")


@get_only
@endpoint
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    category = Category.objects.filter(code=code, is_active=True, children__isnull=True).first()
    if category is None:
        raise Open311Error(404, f"unknown service_code {code}")
    return render({"service_code": code, "attributes": []}, fmt, "service_definition", "")


def _w3c(value: datetime | None) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def request_out(case: Case) -> dict[str, Any]:
    lead = next((a.unit.name for a in case.assignments.all() if a.active and a.role == "lead"), "")
    closed = case.closed_at is not None
    reply = next((s.note for s in reversed(list(case.steps.all())) if s.action in ("reply", "feed_back") and s.note), "")
    return {
        "service_request_id": case.number, "status": "closed" if closed else "open",
        "status_notes": reply if closed else "", "service_name": case.category.name if case.category else "",
        "service_code": case.category.code if case.category else "", "description": case.title,
        "agency_responsible": lead, "service_notice": "", "requested_datetime": _w3c(case.received_at),
        "updated_datetime": _w3c(case.closed_at or case.received_at), "expected_datetime": _w3c(case.due_at),
        "address": case.address, "address_id": "", "zipcode": "",
        "lat": round(case.lat, 3) if case.lat is not None else "", "long": round(case.lon, 3) if case.lon is not None else "",
        "media_url": "",
    }


def _queryset() -> Any:
    return Case.objects.filter(merged_into__isnull=True).select_related("category").prefetch_related(
        "assignments__unit", "steps")


def _parse_date(params: Any, name: str) -> datetime | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    rule = f"{name} must be a W3C datetime with a time zone, e.g. 2026-11-01T00:00:00+08:00"
    try:
        value = parse_datetime(raw)
    except ValueError as exc:  # well formed but no such moment: 2026-02-30, a +99:00 offset
        raise Open311Error(400, f"{rule} ({exc})") from None
    if value is None or value.tzinfo is None:
        raise Open311Error(400, rule)
    if not MIN_YEAR <= value.year <= MAX_YEAR:  # the 90-day window and UTC must stay inside datetime's range
        raise Open311Error(400, f"{name} must be between the years {MIN_YEAR} and {MAX_YEAR}")
    return value


@csrf_exempt
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return post_request(request, fmt=fmt)
    if request.method == "GET":
        return get_requests(request, fmt=fmt)
    return not_allowed(request, fmt, "GET, POST")


@endpoint
def get_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.GET
    qs = _queryset()
    ids = [i.strip() for i in params.get("service_request_id", "").split(",") if i.strip()]
    if ids:
        qs = qs.filter(number__in=ids)
    else:
        codes = [c.strip() for c in params.get("service_code", "").split(",") if c.strip()]
        if codes:
            qs = qs.filter(category__code__in=codes)
        end = _parse_date(params, "end_date") or timezone.now()
        start = _parse_date(params, "start_date") or end - DEFAULT_SPAN
        if start > end:
            raise Open311Error(400, "start_date is after end_date")
        if end - start > DEFAULT_SPAN:
            raise Open311Error(400, "start_date and end_date may be at most 90 days apart")
        qs = qs.filter(received_at__gte=start, received_at__lte=end)
        statuses = {s.strip() for s in params.get("status", "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, "status must be open, closed or both")
        if statuses == {"open"}:
            qs = qs.filter(closed_at__isnull=True)
        elif statuses == {"closed"}:
            qs = qs.filter(closed_at__isnull=False)
    cases = list(qs.order_by("-received_at")[:MAX_RESULTS])
    return render([request_out(c) for c in cases], fmt, "service_requests", "request")


@endpoint
def post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.POST
    user = user_for_key(params.get("api_key", ""))
    if user is None:
        raise Open311Error(403, "api_key is missing or invalid")
    code = params.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, "service_code is required")
    category = Category.objects.filter(code=code, is_active=True, children__isnull=True).first()
    if category is None:
        raise Open311Error(404, f"unknown service_code {code}")
    description = params.get("description", "").strip()
    if len(description) > 4000:
        raise Open311Error(400, "description may be at most 4000 characters")
    lat, lon = params.get("lat", "").strip(), params.get("long", "").strip()
    address = params.get("address_string", "").strip()
    if len(address) > 200:
        raise Open311Error(400, "address_string may be at most 200 characters")
    if not (lat and lon) and not address:
        raise Open311Error(400, "a location is required: lat and long, or address_string")
    try:
        lat_f, lon_f = (float(lat), float(lon)) if lat and lon else (None, None)
    except ValueError:
        raise Open311Error(400, "lat and long must be numbers") from None
    # Without a point the case goes to the city's centre for triage.
    city = Area.objects.filter(level=Level.CITY).order_by("path").first() if lat_f is None else None
    name = " ".join(p for p in (params.get("last_name", "").strip(), params.get("first_name", "").strip()) if p)
    try:
        result = do_intake(workflow="hotline", channel="open311", category=category,
                           title=(description.splitlines()[0][:80] if description else category.name),
                           description=description, lon=lon_f, lat=lat_f, area=city, address=address,
                           reporter_name=name, reporter_phone=params.get("phone", ""), actor=user)
    except CaseInputError as exc:
        raise Open311Error(400, str(exc)) from exc
    return render([{"service_request_id": result.case.number, "service_notice": "", "account_id": ""}],
                  fmt, "service_requests", "request")


@get_only
@endpoint
def one_request(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    case = _queryset().filter(number=request_id).first()
    if case is None:
        raise Open311Error(404, f"unknown service_request_id {request_id}")
    return render([request_out(case)], fmt, "service_requests", "request")


@get_only
@endpoint
def token(request: HttpRequest, fmt: str, token_id: str) -> HttpResponse:
    # Requests get their id at once, so there are never pending tokens.
    raise Open311Error(404, f"unknown token {token_id}")
