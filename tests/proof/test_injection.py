"""Proof 7d, injection: SQL, HTML, script and template text in every text field users can submit
is stored exactly as sent and shown inert — escaped on the pages, plain data in JSON and XML,
a string cell (never a formula or a link) in every Excel export — and SQL or LIKE wildcards
change no other row and match only themselves in searches.

The fields are taken from the forms the pages use and the django-ninja input schemas
(``text_fields``/``schema_text_fields``); each entry point says how each of its text fields is
kept (stored, validated and refused, or only searched with). A field added to a form or schema
and not given a rule here fails ``test_every_text_field_is_classified``.

For an entry point, ``check_entry`` submits every payload in all its stored fields at once
(each field gets the payload, or the longest Chinese text it takes), compares what the database
holds, counts every table before and after, and looks at the pages that show the values; then
each field over its length limit, and each validated field with each payload, alone — those
must be refused with nothing written. Problems are collected and asserted empty at the end, so
one run lists every one of them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from django.test import Client

from gongzhi.accounts.models import User
from gongzhi.accounts.tokens import create_token
from gongzhi.areas.models import Area, Level
from gongzhi.cases.api import IntakeIn, TransitionIn
from gongzhi.cases.forms import ActionForm, GridReportForm, HotlineForm, ResidentReportForm
from gongzhi.cases.metrics import ThreeRates
from gongzhi.cases.models import Case, Step
from gongzhi.cases.rates import RateRow
from gongzhi.cases.services import do_intake, do_transition
from gongzhi.cases.views import rates_xlsx
from gongzhi.core.access import Role
from gongzhi.core.models import AuditEvent
from gongzhi.insight.models import HotspotAlert
from gongzhi.registry.forms import (
    BuildingFilterForm,
    HouseFilterForm,
    LinkForm,
    MemberForm,
    OrganisationFilterForm,
    PeopleFilterForm,
    RevealForm,
    VisitSearchForm,
)
from gongzhi.registry.importing import clean_header, import_file
from gongzhi.registry.models import Building, House, Organisation, Person, PersonTag, TagType
from gongzhi.registry.tags import decode_values
from tests.builders import client_for, make_user, square
from tests.proof.hostile import (
    GRID_1,
    IN_GRID_1,
    PAYLOADS,
    CaseWorld,
    case_world,
    count_problems,
    formula_problems,
    inert_problems,
    long_zh,
    payloads_for,
    schema_text_fields,
    table_counts,
    text_fields,
    unescaped_problems,
    write_ledger,
)
from tests.registry.pages_builders import G1, City, build

pytestmark = pytest.mark.django_db

# Tables an intake or a workflow step may add rows to; every other table must keep its count.
CASE_ACTIVITY = {"cases_case", "cases_step", "cases_assignment", "core_auditevent", "insight_proposal",
                 "cases_followup", "django_session"}
REGISTRY_ACTIVITY = {"registry_person", "registry_persontag", "registry_household", "registry_residence",
                     "core_auditevent", "django_session"}


@pytest.fixture
def cw(tree: dict[str, Area]) -> CaseWorld:
    return case_world(tree)


@pytest.fixture
def sentinel(cw: CaseWorld) -> Iterator[Case]:
    """A case that no submission may change: SQL in a field must not reach other rows."""
    case = do_intake(workflow="hotline", title="哨兵案件", description="不应被改动", channel="hotline",
                     area=cw.tree["430104002014"]).case
    yield case
    after = Case.objects.get(pk=case.pk)
    assert (after.title, after.description, after.state, after.version) == ("哨兵案件", "不应被改动", "received", 0)


@pytest.fixture
def city(tree: dict[str, Area], role_users: dict[str, User]) -> City:
    return build(tree, role_users)


def api_post(c: Client, url: str, body: dict[str, Any]) -> Any:
    return c.post(url, json.dumps(body), content_type="application/json")


# --- the harness ------------------------------------------------------------------------------

Page = tuple[str, str, dict[str, str]]  # (label, html, {field: the text it must show inert})


@dataclass
class Entry:
    """One way in: how to send a submission, what it created, where its values show."""

    where: str
    limits: dict[str, int | None]  # stored field → the longest value it takes (None: no limit)
    stored: dict[str, Callable[[Any], Any]]  # stored field → its value read back from the database
    send: Callable[[dict[str, str]], Any]  # the response to a submission (merged over a valid base)
    created: Callable[[Any], Any]  # the row a successful response made, or None if refused
    pages: Callable[[Any, dict[str, str]], list[Page]] = lambda obj, data: []
    refused: set[str] = field(default_factory=set)  # validated fields: hostile text must be refused
    may_grow: set[str] = field(default_factory=set)
    refusal_status: tuple[int, ...] = (400,)
    # What a refusal must look like: by default the form again, with the value in it inert.
    on_refusal: Callable[[Any, str, str], list[str]] = lambda resp, value, where: inert_problems(
        resp.content.decode(), value, where + " (the form shown again)")


def check_entry(e: Entry) -> list[str]:
    problems: list[str] = []
    for key in payloads_for(None):
        data = {name: payloads_for(limit)[key] for name, limit in e.limits.items()}
        where = f"{e.where} all stored fields={key}"
        before = table_counts()
        resp = e.send(data)
        obj = e.created(resp)
        if obj is None:
            problems.append(f"{where}: refused ({resp.status_code} {resp.content[:300]!r})")
            continue
        for name, read in e.stored.items():
            if (got := read(obj)) != data[name]:
                problems.append(f"{where}: {name} stored as {got!r}, sent {data[name]!r}")
        problems += count_problems(before, table_counts(), e.may_grow, where)
        for label, html, shown in e.pages(obj, data):
            for name, text in shown.items():
                problems += inert_problems(html, text, f"{where} {name} on {label}")
    for name, limit in e.limits.items():
        if limit is None:
            continue
        where = f"{e.where} {name} over its limit of {limit}"
        before = table_counts()
        resp = e.send({name: long_zh(limit + 1)})
        if resp.status_code not in e.refusal_status or e.created(resp) is not None:
            problems.append(f"{where}: not refused ({resp.status_code})")
        problems += count_problems(before, table_counts(), {"django_session"}, where)
    for name in sorted(e.refused):
        for key, value in PAYLOADS.items():
            where = f"{e.where} {name}={key}"
            before = table_counts()
            resp = e.send({name: value})
            if resp.status_code not in e.refusal_status or e.created(resp) is not None:
                problems.append(f"{where}: not refused ({resp.status_code})")
            else:
                problems += e.on_refusal(resp, value, where)
            problems += count_problems(before, table_counts(), {"django_session"}, where)
    return problems


def json_problems(resp: Any, value: str, where: str) -> list[str]:
    """An API answer is JSON (a value it repeats is data, not markup)."""
    if not resp["Content-Type"].startswith("application/json"):
        return [f"{where}: the refusal is {resp['Content-Type']}, not JSON"]
    try:
        json.loads(resp.content)
    except ValueError:
        return [f"{where}: the refusal does not parse as JSON"]
    return []


def body(resp: Any) -> bytes:
    return b"".join(resp.streaming_content) if resp.streaming else bytes(resp.content)


def case_of(resp: Any) -> Case | None:
    if resp.status_code != 302:
        return None
    return Case.objects.filter(number=str(resp["Location"]).rstrip("/").rsplit("/", 1)[-1]).first()


def limits_of(fields: dict[str, Any], names: Iterable[str]) -> dict[str, int | None]:
    return {n: fields[n].max_length for n in names}


# --- the entry points and how each of their text fields is kept -------------------------------

CASE_TEXT: dict[str, Callable[[Case], Any]] = {
    "title": lambda c: c.title, "description": lambda c: c.description, "address": lambda c: c.address,
    "reporter_name": lambda c: c.reporter_name.reveal(), "client_key": lambda c: c.client_key,
}
HOTLINE_REFUSED = {"reporter_phone"}  # a phone number: checked, so hostile text is refused
GRID_STORED = {"title", "client_key"}
RESIDENT_REFUSED = {"reporter_phone", "datum"}  # datum names the coordinate system: one of three
ACTION_STORED = {"note"}
ACTION_REFUSED = {"action", "units"}  # a workflow action's code; unit ids (digits only)
INTAKE_API_LIMITS: dict[str, int | None] = {"title": 200, "description": 5000, "address": 200,
                                            "reporter_name": None, "client_key": 64}
INTAKE_API_REFUSED = {"workflow", "kind", "category", "datum", "area", "reporter_phone"}
TRANSITION_API_STORED = {"note", "client_key"}  # the key is kept in the Step's data, as sent
TRANSITION_API_REFUSED = {"action", "units", "extend_unit", "satisfaction"}
MEMBER_REFUSED = {"id_number", "phone"}  # checked (GB 11643 check digit, phone rules)
SEARCH_FORMS: dict[str, type[Any]] = {
    "people": PeopleFilterForm, "buildings": BuildingFilterForm, "houses": HouseFilterForm,
    "organisations": OrganisationFilterForm, "visit": VisitSearchForm, "link": LinkForm,
}
SEARCH_FIELDS = {"people": {"area", "q", "address"}, "buildings": {"area", "q"}, "houses": {"area", "q"},
                 "organisations": {"area", "q"}, "visit": {"building", "room"}, "link": {"q"}}
REVEAL_STORED = {"reason"}
REVEAL_REFUSED = {"field"}
# Read-only API inputs (filters, the text to classify, a datum): never stored; each must answer
# 200 or a JSON 4xx, never a 5xx, and change nothing.
API_QUERIES: dict[str, tuple[str, str, set[str]]] = {
    "PeopleQuery": ("GET", "/api/registry/people", {"area", "q", "tag", "residency", "gender", "address"}),
    "SuggestIn": ("POST", "/api/insight/suggest", {"title", "description", "area"}),
    "LocateIn": ("GET", "/api/locate", {"datum"}),
}


def test_every_text_field_is_classified(tree: dict[str, Area]) -> None:
    """A text field added to a form or an input schema must be given a rule here (and so be tested)."""
    from gongzhi.registry.tags import load_default_tag_types

    load_default_tag_types()
    tag_types = list(TagType.objects.filter(is_active=True))
    member = text_fields(MemberForm(tag_types=tag_types))
    expected = {
        "HotlineForm": (set(text_fields(HotlineForm(areas=[]))), set(CASE_TEXT) | HOTLINE_REFUSED),
        "GridReportForm": (set(text_fields(GridReportForm())), GRID_STORED),
        "ResidentReportForm": (set(text_fields(ResidentReportForm(streets=[]))), set(CASE_TEXT) | RESIDENT_REFUSED),
        "ActionForm": (set(text_fields(ActionForm())), ACTION_STORED | ACTION_REFUSED),
        "IntakeIn": (set(schema_text_fields(IntakeIn)), set(INTAKE_API_LIMITS) | INTAKE_API_REFUSED),
        "TransitionIn": (set(schema_text_fields(TransitionIn)), TRANSITION_API_STORED | TRANSITION_API_REFUSED),
        "RevealForm": (set(text_fields(RevealForm())), REVEAL_STORED | REVEAL_REFUSED),
        "MemberForm": ({n for n in member if not n.startswith("tag_")}, {"name"} | MEMBER_REFUSED),
        **{f"{k} filters": (set(text_fields(SEARCH_FORMS[k]())), SEARCH_FIELDS[k]) for k in SEARCH_FORMS},
        **{name: (set(schema_text_fields(schema)), API_QUERIES[name][2]) for name, schema in api_schemas().items()},
    }
    wrong = {name: (found, rules) for name, (found, rules) in expected.items() if found != rules}
    assert not wrong, f"text fields without a rule in this proof (or rules for fields that are gone): {wrong}"
    # Every text box a key group adds to the visit form is one of its configured fields.
    configured = {f"tag_{t.code}__{f['name']}" for t in tag_types for f in t.fields
                  if f.get("type", "text") in ("text", "int", "date")}
    assert {n for n in member if n.startswith("tag_")} == configured


# --- cases: the pages -------------------------------------------------------------------------

def case_pages(c: Client, with_api: bool = True) -> Callable[[Case, dict[str, str]], list[Page]]:
    def pages(case: Case, data: dict[str, str]) -> list[Page]:
        shown = {k: v for k, v in data.items() if k in ("title", "description", "address")}
        if "reporter_name" in data:
            shown["reporter_name (masked)"] = str(case.reporter_name)
        out = [("the case page", c.get(f"/cases/{case.number}/").content.decode(), shown)]
        if with_api:
            body = c.get(f"/api/cases/{case.number}").json()
            for name in ("title", "description"):
                if name in data and body[name] != data[name]:
                    out.append(("the API", "", {f"{name} (API gives {body[name]!r})": data[name]}))
        return out
    return pages


def test_hotline_form(cw: CaseWorld, sentinel: Case) -> None:
    c = client_for(cw.dispatcher)
    fields = text_fields(HotlineForm(areas=[]))
    base = {"kind": "投诉", "title": "路灯不亮", "description": "一周了", "area": "430104002014",
            "category": str(cw.lights.pk), "reporter_phone": "13800138000"}
    problems = check_entry(Entry(
        "/cases/new/", limits_of(fields, CASE_TEXT), CASE_TEXT, lambda d: c.post("/cases/new/", {**base, **d}),
        case_of, case_pages(c), HOTLINE_REFUSED, CASE_ACTIVITY))
    inbox = c.get("/cases/").content.decode()
    for key, value in payloads_for(200).items():
        problems += inert_problems(inbox, value, f"the inbox, title={key}")
    export = c.get("/cases/?format=xlsx").content
    masked = [str(case.reporter_name) for case in Case.objects.exclude(reporter_name="")]
    problems += formula_problems(export, [*PAYLOADS.values(), *masked], "the inbox's Excel export")
    supervision = client_for(cw.supervisor).get("/cases/supervision/?format=xlsx").content
    problems += formula_problems(supervision, [], "the supervision Excel export")
    assert not problems, "\n".join(problems)


def test_grid_report(cw: CaseWorld, sentinel: Case) -> None:
    c = client_for(cw.grid_worker)
    fields = text_fields(GridReportForm())
    base = {"title": "楼下暴露垃圾", "category": str(cw.garbage.pk), "lon": str(IN_GRID_1[0]),
            "lat": str(IN_GRID_1[1]), "datum": "wgs84"}

    def created(resp: Any) -> Case | None:
        return Case.objects.filter(number=resp.json()["number"]).first() if resp.status_code == 200 else None

    problems = check_entry(Entry(
        "/cases/report/", limits_of(fields, GRID_STORED), {k: CASE_TEXT[k] for k in GRID_STORED},
        lambda d: c.post("/cases/report/", {**base, **d}, HTTP_ACCEPT="application/json"), created,
        case_pages(c, with_api=False), may_grow=CASE_ACTIVITY))
    assert not problems, "\n".join(problems)


def test_resident_report_and_the_tracking_page(cw: CaseWorld, sentinel: Case) -> None:
    public = Client()
    staff = client_for(cw.dispatcher)
    fields = text_fields(ResidentReportForm(streets=[]))
    base = {"title": "小区门口路灯坏了", "description": "晚上很黑", "reporter_phone": "13800138000",
            "lon": str(IN_GRID_1[0]), "lat": str(IN_GRID_1[1]), "datum": "wgs84"}

    def created(resp: Any) -> Case | None:
        if resp.status_code != 200 or "case-number" not in resp.content.decode():
            return None
        return Case.objects.order_by("-id").first()

    def pages(case: Case, data: dict[str, str]) -> list[Page]:
        track = public.post("/track/", {"number": case.number, "phone": "8000"}).content.decode()
        return [*case_pages(staff, with_api=False)(case, data), ("the tracking page", track, {"title": data["title"]})]

    problems = check_entry(Entry(
        "/track/report/", limits_of(fields, CASE_TEXT), CASE_TEXT,
        lambda d: public.post("/track/report/", {**base, **d}), created, pages, RESIDENT_REFUSED, CASE_ACTIVITY))
    # What a resident types into the tracking form comes back in it, inert, with a 404. (From a
    # new address each time: failed look-ups are throttled per address.)
    for i, (key, value) in enumerate(PAYLOADS.items()):
        resp = public.post("/track/", {"number": value, "phone": value}, REMOTE_ADDR=f"198.51.100.{i + 1}")
        if resp.status_code != 404:
            problems.append(f"/track/ number={key}: expected 404, got {resp.status_code}")
        problems += inert_problems(resp.content.decode(), value, f"/track/ number={key}")
    assert not problems, "\n".join(problems)


def accepted_case(cw: CaseWorld, title: str = "路灯不亮") -> Case:
    case = do_intake(workflow="hotline", title=title, channel="hotline", category=cw.lights,
                     lon=IN_GRID_1[0], lat=IN_GRID_1[1], reporter_phone="13800138000").case
    do_transition(cw.dispatcher, case.pk, "dispatch", units=[cw.chengguan])
    return do_transition(cw.handler, case.pk, "accept")


def test_step_notes_reach_staff_and_residents_inert(cw: CaseWorld, sentinel: Case) -> None:
    handler, public = client_for(cw.handler), Client()
    fields = text_fields(ActionForm())
    # One accepted case per submission, made before the tables are counted.
    pool = [accepted_case(cw) for _ in range(len(payloads_for(None)) + len(ACTION_STORED))]
    used: list[Case] = []

    def send(data: dict[str, str]) -> Any:
        case = pool.pop()
        used.append(case)
        return handler.post(f"/cases/{case.number}/act/", {"action": "reply", "version": str(case.version), **data})

    def created(resp: Any) -> Step | None:
        step = Step.objects.filter(case=used[-1]).order_by("-seq").first()
        return step if resp.status_code == 302 and step is not None and step.action == "reply" else None

    def pages(step: Step, data: dict[str, str]) -> list[Page]:
        case = step.case
        notes = [s["note"] for s in handler.get(f"/api/cases/{case.number}").json()["steps"]]
        track = public.post("/track/", {"number": case.number, "phone": "8000"}).content.decode()
        out = [("the case page", handler.get(f"/cases/{case.number}/").content.decode(), data),
               ("the residents' tracking page", track, data)]
        if data["note"] not in notes:
            out.append(("the API", "", {"note (missing from the steps)": data["note"]}))
        return out

    problems = check_entry(Entry("/cases/…/act/ (reply)", limits_of(fields, ACTION_STORED),
                                 {"note": lambda s: s.note}, send, created, pages, may_grow=CASE_ACTIVITY,
                                 refusal_status=(302,)))  # the page redirects back with the message
    # The action's code and the unit list are not free text: anything else is refused, and the
    # message that says so is inert.
    dispatcher = client_for(cw.dispatcher)
    for key, value in PAYLOADS.items():
        case = do_intake(workflow="hotline", title="待派单", channel="hotline", area=cw.tree[GRID_1]).case
        for name, data in (("action", {"action": value, "version": "0", "note": "x"}),
                           ("units", {"action": "dispatch", "version": "0", "units": value})):
            where = f"/cases/…/act/ {name}={key}"
            before = table_counts()
            resp = dispatcher.post(f"/cases/{case.number}/act/", data, follow=True)
            if Case.objects.get(pk=case.pk).version != 0:
                problems.append(f"{where}: the case changed")
            problems += count_problems(before, table_counts(), {"django_session"}, where)
            problems += unescaped_problems(resp.content.decode(), value, where)
    assert not problems, "\n".join(problems)


def test_merge_note(cw: CaseWorld, sentinel: Case) -> None:
    c = client_for(cw.dispatcher)
    problems: list[str] = []
    for key, value in payloads_for(None).items():
        into = do_intake(workflow="hotline", title="路灯不亮", channel="hotline", area=cw.tree[GRID_1]).case
        dup = do_intake(workflow="hotline", title="路灯不亮了", channel="hotline", area=cw.tree[GRID_1]).case
        resp = c.post(f"/cases/{dup.number}/merge/", {"into": into.number, "note": value})
        step = Step.objects.filter(case=dup, action="merge").first()
        if resp.status_code != 302 or step is None:
            problems.append(f"merge note={key}: not merged ({resp.status_code})")
        elif step.note != value:
            problems.append(f"merge note={key}: stored {step.note!r}")
        else:
            problems += inert_problems(c.get(f"/cases/{dup.number}/").content.decode(), value, f"merge note={key}")
    assert not problems, "\n".join(problems)


# --- cases: the JSON API, Open311, exports ------------------------------------------------------

def test_intake_api(cw: CaseWorld, sentinel: Case) -> None:
    c = client_for(cw.dispatcher)
    base = {"workflow": "hotline", "title": "路灯不亮", "area": "430104002014", "reporter_phone": "13800138000",
            "lon": IN_GRID_1[0], "lat": IN_GRID_1[1]}

    def created(resp: Any) -> Case | None:
        if resp.status_code != 201:
            return None
        if resp["Content-Type"] != "application/json; charset=utf-8":
            return None
        return Case.objects.filter(number=resp.json()["number"]).first()

    problems = check_entry(Entry(
        "POST /api/cases", INTAKE_API_LIMITS, CASE_TEXT, lambda d: api_post(c, "/api/cases", {**base, **d}),
        created, case_pages(c), INTAKE_API_REFUSED, CASE_ACTIVITY, refusal_status=(400, 422), on_refusal=json_problems))
    assert not problems, "\n".join(problems)


def test_transition_api(cw: CaseWorld, sentinel: Case) -> None:
    handler, chief, supervisor = client_for(cw.handler), client_for(cw.chief), client_for(cw.supervisor)
    problems: list[str] = []
    for key, value in payloads_for(None).items():
        case = accepted_case(cw)
        where = f"POST /api/cases/…/transitions note={key}"
        resp = api_post(handler, f"/api/cases/{case.number}/transitions", {"action": "reply", "note": value})
        step = Step.objects.filter(case=case).order_by("-seq").first()
        if resp.status_code != 200 or step is None or step.note != value:
            problems.append(f"{where}: not stored as sent ({resp.status_code})")
        elif value not in [s["note"] for s in handler.get(f"/api/cases/{case.number}").json()["steps"]]:
            problems.append(f"{where}: not in the API's steps")
    for key, value in [(k, v) for k, v in payloads_for(64).items() if len(v) <= 64]:  # client_key: ≤ 64 characters
        case = accepted_case(cw)
        where = f"POST /api/cases/…/transitions client_key={key}"
        body = {"action": "reply", "note": "已处理", "client_key": value}
        first = api_post(handler, f"/api/cases/{case.number}/transitions", body)
        again = api_post(handler, f"/api/cases/{case.number}/transitions", body)
        steps = Step.objects.filter(case=case, action="reply")
        if (first.status_code, again.status_code) != (200, 200) or [s.data.get("client_key") for s in steps] != [value]:
            problems.append(f"{where}: not stored once as sent ({first.status_code}, {again.status_code})")
    for key, value in PAYLOADS.items():
        case = accepted_case(cw)
        do_transition(cw.handler, case.pk, "request_extension", note="需要更多时间")
        replied = accepted_case(cw)
        do_transition(cw.handler, replied.pk, "reply", note="已修复")
        do_transition(cw.supervisor, replied.pk, "approve_reply")
        for name, c, target, body in (
            ("action", handler, replied, {"action": value}),
            ("units", handler, replied, {"action": "whistle", "note": "请协助", "units": [value]}),
            ("extend_unit", chief, case, {"action": "approve_extension", "extend_amount": 3, "extend_unit": value}),
            ("satisfaction", supervisor, replied, {"action": "follow_up", "contacted": True, "solved": True,
                                                   "satisfaction": value}),
        ):
            where = f"POST /api/cases/…/transitions {name}={key}"
            version = Case.objects.get(pk=target.pk).version
            resp = api_post(c, f"/api/cases/{target.number}/transitions", body)
            if not 400 <= resp.status_code < 500:
                problems.append(f"{where}: expected a 4xx refusal, got {resp.status_code}")
            if Case.objects.get(pk=target.pk).version != version:
                problems.append(f"{where}: the case changed")
    assert not problems, "\n".join(problems)


OPEN311_STORED: dict[str, Callable[[Case], Any]] = {
    "description": lambda c: c.description, "address_string": lambda c: c.address,
    "last_name": lambda c: c.reporter_name.reveal().rsplit(" ", 1)[0],  # "last first"; first is one word
}
OPEN311_LIMITS: dict[str, int | None] = {"description": 4000, "address_string": 200, "last_name": None}


def test_open311_requests_in_json_and_xml(cw: CaseWorld, sentinel: Case) -> None:
    _token, key = create_token(cw.dispatcher, "proof-open311")
    c = Client()
    base = {"api_key": key, "service_code": cw.lights.code, "lat": str(IN_GRID_1[1]), "long": str(IN_GRID_1[0]),
            "description": "路灯不亮", "first_name": "某"}

    def created(resp: Any) -> Case | None:
        if resp.status_code != 200:
            return None
        return Case.objects.filter(number=resp.json()[0]["service_request_id"]).first()

    def pages(case: Case, data: dict[str, str]) -> list[Page]:
        out = c.get(f"/open311/v2/requests/{case.number}.json").json()[0]
        xml = ET.fromstring(c.get(f"/open311/v2/requests/{case.number}.xml").content)
        want = {"description": data["description"].splitlines()[0][:80], "address": data["address_string"]}
        wrong = {f"{k} (JSON gives {out[k]!r})": v for k, v in want.items() if out[k] != v}
        wrong |= {f"{k} (XML gives {xml.findtext(f'request/{k}')!r})": v for k, v in want.items()
                  if xml.findtext(f"request/{k}") != v}
        return [("Open311 GET", "", wrong)] if wrong else []

    problems = check_entry(Entry(
        "POST /open311/v2/requests.json", OPEN311_LIMITS, OPEN311_STORED,
        lambda d: c.post("/open311/v2/requests.json", {**base, **d}), created, pages,
        {"phone", "service_code", "lat"}, CASE_ACTIVITY | {"accounts_apitoken"}, refusal_status=(400, 404),
        on_refusal=json_problems))
    assert not problems, "\n".join(problems)


def test_rates_export_writes_names_as_text() -> None:
    rates = ThreeRates(valid=2, contacted=2, solved=1, satisfied=1, basic=0)
    rows = [RateRow(k, v, rates, rates) for k, v in PAYLOADS.items()]
    body = rates_xlsx({"areas": rows, "departments": rows, "categories": rows}).content
    problems = formula_problems(body, PAYLOADS.values(), "the rates export")
    assert not problems, "\n".join(problems)


def api_schemas() -> dict[str, Any]:
    from gongzhi.areas.api import LocateIn
    from gongzhi.insight.api import SuggestIn
    from gongzhi.registry.api import PeopleQuery

    return {"PeopleQuery": PeopleQuery, "SuggestIn": SuggestIn, "LocateIn": LocateIn}


def test_read_only_api_inputs_answer_json_and_change_nothing(city: City) -> None:
    c = client_for(city.users[Role.COMMUNITY_WORKER])
    base = {"PeopleQuery": {"area": G1}, "SuggestIn": {"title": "路灯不亮"},
            "LocateIn": {"lon": str(IN_GRID_1[0]), "lat": str(IN_GRID_1[1])}}
    problems: list[str] = []
    for name, schema in api_schemas().items():
        method, url, _fields = API_QUERIES[name]
        for field_name, limit in schema_text_fields(schema).items():
            for key, value in payloads_for(limit).items():
                where = f"{method} {url} {field_name}={key}"
                before = table_counts()
                data = {**base[name], field_name: value}
                resp = c.get(url, data) if method == "GET" else api_post(c, url, data)
                if resp.status_code >= 500 or (resp.status_code != 200 and not 400 <= resp.status_code < 500):
                    problems.append(f"{where}: {resp.status_code}")
                problems += json_problems(resp, value, where)
                problems += count_problems(before, table_counts(), {"django_session", "accounts_apitoken"}, where)
    assert not problems, "\n".join(problems)


def test_the_suggestion_endpoints_answer_plain_json(cw: CaseWorld) -> None:
    c = client_for(cw.dispatcher)
    problems: list[str] = []
    for key, value in PAYLOADS.items():
        page = c.get("/insight/suggest/", {"title": value, "description": value})
        api = api_post(c, "/api/insight/suggest", {"title": value, "description": value})
        for where, resp in (("page", page), ("api", api)):
            if resp.status_code != 200 or not resp["Content-Type"].startswith("application/json"):
                problems.append(f"suggest {where} {key}: {resp.status_code} {resp['Content-Type']}")
    assert not problems, "\n".join(problems)


def test_a_hot_spot_form_sends_only_to_this_site(cw: CaseWorld) -> None:
    """The 'handled' button returns to the page it came from: never to another site or a script."""
    from django.utils import timezone

    now = timezone.now()
    alert = HotspotAlert.objects.create(key="麓山南路|路灯", area_path="430104", title="路灯集中报修", place="麓山南路",
                                        count=5, score=3.0, first_at=now, last_at=now)
    c = client_for(cw.supervisor)
    problems: list[str] = []
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)", "/\\evil.example", "evil"):
        resp = c.post(f"/insight/hotspots/alerts/{alert.pk}/handled/", {"next": target})
        location = resp.get("Location", "")
        if resp.status_code != 302 or not location.startswith("/") or location.startswith(("//", "/\\")):
            problems.append(f"next={target!r}: {resp.status_code} → {location!r}")
    resp = c.post(f"/insight/hotspots/alerts/{alert.pk}/handled/", {"next": "/insight/hotspots/?days=7"})
    if resp.get("Location") != "/insight/hotspots/?days=7":
        problems.append(f"a page of this site: {resp.get('Location')!r}")
    assert not problems, "\n".join(problems)


# --- the registry --------------------------------------------------------------------------------

def member_data(tag_types: list[TagType], values: dict[str, str]) -> dict[str, str]:
    """A visit form with every key group ticked, its choices filled, ``values`` over it."""
    data = {"name": "新住户", "residency": "registered"}
    for t in tag_types:
        data[f"tag_{t.code}"] = "on"
        for f in t.fields:
            if f.get("type") == "choice":
                data[f"tag_{t.code}__{f['name']}"] = f["choices"][0]
    return {**data, **values}


def test_visit_form_names_and_key_group_fields(city: City) -> None:
    worker = city.users[Role.GRID_WORKER]
    c = client_for(worker)
    tag_types = list(TagType.objects.filter(is_active=True))
    fields = text_fields(MemberForm(tag_types=tag_types))
    kinds = {f"tag_{t.code}__{f['name']}": (t, f) for t in tag_types for f in t.fields}
    text = [n for n in fields if n == "name" or (n in kinds and kinds[n][1].get("type", "text") == "text")]
    typed = {n for n in fields if n in kinds and n not in text}  # int and date fields: hostile text is refused
    url = f"/registry/visit/house/{city.h101.pk}/"

    def created(resp: Any) -> Person | None:
        return Person.objects.order_by("-id").first() if resp.status_code == 302 else None

    def stored(name: str) -> Callable[[Person], Any]:
        if name == "name":
            return lambda p: p.name
        t, f = kinds[name]
        return lambda p: decode_values(PersonTag.objects.get(person=p, tag_type=t).values).get(f["name"])

    def pages(p: Person, data: dict[str, str]) -> list[Page]:
        plain = {n: data[n] for n in text if n == "name" or not kinds[n][0].sensitive}
        out = [("the person card", c.get(f"/registry/person/{p.pk}/").content.decode(), plain),
               ("the house page", c.get(f"/registry/house/{city.h101.pk}/").content.decode(), {"name": data["name"]}),
               ("the visit page", c.get(url).content.decode(), {"name": data["name"]}),
               ("the people search", c.get("/registry/search/", {"q": data["name"], "area": G1}).content.decode(),
                {"name": data["name"]})]
        for t in tag_types:
            names = [n for n in text if n in kinds and kinds[n][0] == t]
            if t.sensitive and names:
                shown = c.post(f"/registry/person/{p.pk}/reveal/", {"field": f"tag:{t.code}", "reason": "入户核实情况"})
                out.append((f"the revealed {t.name}", shown.content.decode(), {n: data[n] for n in names}))
        api = c.get(f"/api/registry/people/{p.pk}").json()
        values = {g["code"]: g["values"] for g in api["key_groups"]}
        wrong = {n: data[n] for n in plain  # the API gives a key group's values by their labels
                 if n != "name" and (values.get(kinds[n][0].code) or {}).get(kinds[n][1]["label"]) != data[n]}
        if api["name"] != data["name"]:
            wrong["name"] = data["name"]
        if wrong:
            out.append(("the API (values differ)", "", wrong))
        return out

    problems = check_entry(Entry(
        url, limits_of(fields, text), {n: stored(n) for n in text},
        lambda d: c.post(url, member_data(tag_types, d)), created, pages, MEMBER_REFUSED | typed,
        REGISTRY_ACTIVITY | {"registry_persontag"}))
    export = body(c.get("/registry/export/people/", {"area": G1}))
    names = list(Person.objects.filter(area_path=G1).values_list("name", flat=True))
    problems += formula_problems(export, names, "the people export")
    assert not problems, "\n".join(problems)


def test_reveal_reasons_are_kept_as_written_and_shown_inert_in_the_audit_trail(city: City) -> None:
    worker = client_for(city.users[Role.GRID_WORKER])
    auditor = client_for(make_user("p_auditor", Role.AUDIT_ADMIN, city.tree["4301"]))
    url = f"/registry/person/{city.zhang.pk}/reveal/"

    def created(resp: Any) -> AuditEvent | None:
        return AuditEvent.objects.filter(action="pii.reveal").order_by("-id").first() if resp.status_code == 200 else None

    def pages(event: AuditEvent, data: dict[str, str]) -> list[Page]:
        return [("the audit page", auditor.get("/audit/", {"action": "pii.reveal"}).content.decode(), data)]

    problems = check_entry(Entry(
        url, limits_of(text_fields(RevealForm()), REVEAL_STORED), {"reason": lambda e: e.reason},
        lambda d: worker.post(url, {"field": "id_number", "reason": "入户核实身份", **d}), created, pages,
        REVEAL_REFUSED, {"core_auditevent", "django_session"}))
    assert not problems, "\n".join(problems)


def test_search_boxes_take_sql_and_wildcards_as_literal_text(city: City) -> None:
    tree = city.tree
    pct = Building.objects.create(grid=tree[G1], name="百分%楼", address="麓山南路100%号")
    us = Building.objects.create(grid=tree[G1], name="下划_线楼", address="麓山南路_号")
    for b in (pct, us):
        House.objects.create(building=b, room="9")
        Organisation.objects.create(grid=tree[G1], name=f"{b.name}商店", address=b.address, building=b)
    c = client_for(city.users[Role.COMMUNITY_WORKER])
    link = f"/registry/case/{city.case.number}/link/"
    urls = {"people": "/registry/search/", "buildings": f"/registry/area/{G1}/", "houses": "/registry/houses/",
            "organisations": "/registry/organisations/", "visit": "/registry/visit/", "link": link}
    extra = {"link": {"kind": "building"}}
    problems: list[str] = []
    for kind, url in urls.items():
        for name in SEARCH_FIELDS[kind]:
            target = url if not (kind == "buildings" and name == "area") else "/registry/export/buildings/"
            for key, value in payloads_for(text_fields(SEARCH_FORMS[kind]())[name].max_length).items():
                where = f"{target}?{name}={key}"
                before = table_counts()
                resp = c.get(target, {**extra.get(kind, {}), name: value})
                if resp.status_code not in (200, 400):
                    problems.append(f"{where}: {resp.status_code}")
                problems += unescaped_problems(resp.content.decode(), value, where)
                problems += count_problems(before, table_counts(), {"django_session"}, where)
    # % and _ are literal: each finds the one building that has it, not every building.
    for wildcard, hit, miss in (("%", pct, us), ("_", us, pct)):
        for kind, params in (("buildings", {"q": wildcard}), ("houses", {"q": wildcard, "area": G1}),
                             ("organisations", {"q": wildcard, "area": G1}), ("visit", {"building": wildcard}),
                             ("link", {"kind": "building", "q": wildcard})):
            page = c.get(urls[kind], params).content.decode()
            if hit.name not in page or miss.name in page or "麓山南路1栋" in page:
                problems.append(f"{kind} q={wildcard!r}: not a literal match")
    people = c.get("/registry/search/", {"q": "%", "area": G1}).content.decode()
    api = c.get("/api/registry/people", {"q": "%", "area": G1}).json()
    if "张三" in people or api["count"] != 0:
        problems.append("people q='%' matches names that do not start with %")
    assert not problems, "\n".join(problems)


# --- the area tree (admin) and the 台账 import -----------------------------------------------

def test_area_names_from_the_admin(tree: dict[str, Area], role_users: dict[str, User]) -> None:
    admin = role_users[Role.SYS_ADMIN]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    c, viewer = client_for(admin), client_for(role_users[Role.COMMUNITY_WORKER])
    problems: list[str] = []
    for i, (key, value) in enumerate(payloads_for(Area._meta.get_field("name").max_length).items()):
        code = f"430104002014{200 + i:03d}"
        resp = c.post("/admin/areas/area/add/", {
            "code": code, "name": value, "level": Level.GRID, "parent": tree["430104002014"].pk,
            "layer": tree[GRID_1].layer_id, "boundary": json.dumps(square(113.2 + 0.02 * i, 28.0)), "is_active": "on"})
        area = Area.objects.filter(code=code).first()
        if resp.status_code != 302 or area is None:
            problems.append(f"admin area name={key}: not added ({resp.status_code})")
            continue
        if area.name != value:
            problems.append(f"admin area name={key}: stored {area.name!r}")
    page = viewer.get("/areas/430104002014/").content.decode()
    children = {a["name"] for a in viewer.get("/api/areas/430104002014/children").json()}
    for key, value in payloads_for(Area._meta.get_field("name").max_length).items():
        problems += inert_problems(page, value, f"the area page, child name={key}")
        if value not in children:
            problems.append(f"the areas API, child name={key}: missing")
    assert not problems, "\n".join(problems)


@dataclass
class LedgerText:
    """The text columns of one kind of 台账 and how to find a row's record again."""

    columns: dict[str, tuple[str, int]]  # ledger field → (its header, the longest value it takes)
    fixed: dict[str, Callable[[int], str]]  # the other columns: header → value for row i
    find: Callable[[int], Any]  # row i's record (None if it was not written)
    read: dict[str, Callable[[Any], str]]  # ledger field → the stored value of a record
    exported: set[str]  # the fields the list's Excel export has a column for


def test_ledger_imports_keep_text_as_written(city: City, tmp_path: Any) -> None:
    """Every payload in every text column of the buildings, houses, organisations and people 台账:
    what fits is stored exactly; what is longer than its column is refused with the column named."""
    from gongzhi.core.pii import hash_field_value
    from tests.registry.test_import import generated

    user = city.users[Role.COMMUNITY_WORKER]
    people = generated(60, seed=11)
    b1 = city.b1
    ledgers = {
        "buildings": LedgerText(
            {"name": ("楼栋名称", 80), "address": ("地址", 200)}, {"所属网格": lambda i: G1},
            lambda i: None, {"name": lambda b: b.name, "address": lambda b: b.address}, {"name", "address"}),
        "organisations": LedgerText(
            {"name": ("名称", 120), "address": ("地址", 200), "contact_name": ("联系人", 60)},
            {"所属网格": lambda i: G1}, lambda i: None,
            {"name": lambda o: o.name, "address": lambda o: o.address, "contact_name": lambda o: o.contact_name},
            {"name", "address", "contact_name"}),
        "people": LedgerText(
            {"name": ("姓名", 60), "registered_address": ("户籍地址", 200), "ethnicity": ("民族", 20),
             "household_number": ("户号", 30)},
            {"公民身份号码": lambda i: people[i].id_number, "所属网格": lambda i: G1},
            lambda i: Person.objects.filter(id_number_hash=hash_field_value("id_number", people[i].id_number)).first(),
            {"name": lambda p: p.name, "registered_address": lambda p: p.registered_address,
             "ethnicity": lambda p: p.ethnicity, "household_number": lambda p: p.household.number if p.household else ""},
            {"name", "household_number"}),
        "houses": LedgerText(
            {"unit_no": ("单元", 20), "room": ("房号", 20)}, {"楼栋地址": lambda i: b1.address, "所属网格": lambda i: G1},
            lambda i: None, {"unit_no": lambda h: h.unit_no, "room": lambda h: h.room}, {"unit_no", "room"}),
    }
    problems: list[str] = []
    exported: dict[str, list[str]] = {}
    for kind, spec in ledgers.items():
        fields = list(spec.columns)
        headers = [spec.columns[f][0] for f in fields] + list(spec.fixed)
        rows: list[dict[str, str]] = []
        for key in payloads_for(None):
            rows.append({f: payloads_for(spec.columns[f][1])[key] for f in fields})
        for f in fields:  # each column over its limit, alone (the others short and valid)
            row = {g: f"长{len(rows)}" for g in fields}
            row[f] = long_zh(spec.columns[f][1] + 1)
            rows.append(row)
        path = write_ledger(tmp_path / f"{kind}.xlsx", headers,
                            [[*(r[f] for f in fields), *(v(i) for v in spec.fixed.values())] for i, r in enumerate(rows)])
        result = import_file(path, kind, user, valid_rows=True)
        refused = {(p.row - 2, p.column) for p in result.problems}  # rows[0] is Excel row 2, under the header
        for i, row in enumerate(rows):
            too_long = [f for f in fields if len(row[f]) > spec.columns[f][1]]
            where = f"{kind} import row {i + 2}"
            if too_long:
                named = {c for r, c in refused if r == i}
                if not {spec.columns[f][0] for f in too_long} & named:
                    problems.append(f"{where}: {too_long} over the limit, refused for {named or 'nothing'}")
                continue
            if any(r == i for r, _c in refused):
                problems.append(f"{where}: refused: {[p.rule for p in result.problems if p.row - 2 == i]}")
                continue
            obj = spec.find(i)
            if obj is None and kind == "buildings":
                obj = Building.objects.filter(name=row["name"], address=row["address"]).first()
            elif obj is None and kind == "organisations":
                obj = Organisation.objects.filter(name=row["name"]).first()
            elif obj is None and kind == "houses":
                obj = House.objects.filter(building=b1, unit_no=row["unit_no"], room=row["room"]).first()
            if obj is None:
                problems.append(f"{where}: not stored as sent ({row})")
                continue
            for f in fields:
                if (got := spec.read[f](obj)) != row[f]:
                    problems.append(f"{where} {f}: stored {got!r}, sent {row[f]!r}")
            exported.setdefault(kind, []).extend(row[f] for f in spec.exported if row[f][:1] in "=+-@")
    c = client_for(user)
    page = c.get(f"/registry/area/{G1}/").content.decode()
    orgs = c.get("/registry/organisations/", {"area": G1}).content.decode()
    for key, value in payloads_for(80).items():
        problems += inert_problems(page, value, f"the area page, building name={key}")
    for key, value in payloads_for(120).items():
        problems += inert_problems(orgs, value, f"the organisations list, name={key}")
    for kind in ledgers:  # what looks like a formula is exported as text
        export = body(c.get(f"/registry/export/{kind}/", {"area": G1}))
        problems += formula_problems(export, exported.get(kind, []), f"the {kind} export")
    if not all(exported.get(k) for k in ledgers):
        problems.append(f"no formula-like value reached every export: {exported}")
    assert not problems, "\n".join(problems)


def test_import_page_shows_headers_and_bad_values_inert_and_reports_them_as_text(
        city: City, tmp_path: Any, settings: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    c = client_for(city.users[Role.COMMUNITY_WORKER])
    headers = ["楼栋名称", "地址", "所属网格", *PAYLOADS.values()]
    rows: list[list[Any]] = [[f"楼{k}", f"地址{k}", value] for k, value in PAYLOADS.items()]  # hostile grids: refused
    path = write_ledger(tmp_path / "楼栋.xlsx", headers, rows)
    with path.open("rb") as f:
        resp = c.post("/registry/import/", {"kind": "buildings", "file": f})
    problems: list[str] = []
    if resp.status_code != 302:
        pytest.fail(f"upload refused: {resp.status_code}")
    page = c.get(resp["Location"]).content.decode()
    for key, value in PAYLOADS.items():  # headers are matched without spaces (importing.clean_header)
        problems += inert_problems(page, clean_header(value), f"the mapping page, header={key}")
    from gongzhi.registry.models import ImportJob

    job = ImportJob.objects.get()
    form = {f"map-{i}": job.mapping.get(h, "") for i, h in enumerate(job.headers)}
    c.post(f"/registry/import/{job.pk}/mapping/", form)
    job.refresh_from_db()
    page = c.get(f"/registry/import/{job.pk}/").content.decode()
    for key, value in PAYLOADS.items():
        problems += inert_problems(page, value, f"the problems table, grid={key}")
    report = c.get(f"/registry/import/{job.pk}/report.xlsx")
    if report.status_code != 200:
        problems.append(f"no error report ({report.status_code})")
    else:
        problems += formula_problems(body(report), PAYLOADS.values(), "the error report")
    if Building.objects.filter(name__startswith="楼").exists():
        problems.append("refused rows were written")
    assert not problems, "\n".join(problems)


# --- in a browser: what the page's own scripts do with the text -----------------------------------

TRAP = '<img src=x onerror="window.__xss=(window.__xss||[]).concat(1)">'


Site = dict[str, tuple[bytes, str]]  # path → (body, content type)


def snapshot(c: Client, path: str) -> Site:
    """A page and the static files it loads, fetched with the test client. The browser is served
    from this (inside the test's transaction, no live server): Playwright's event loop would
    make Django refuse database calls from its callbacks."""
    resp = c.get(path)
    assert resp.status_code == 200, (path, resp.status_code)
    html = resp.content.decode()
    site: Site = {path: (resp.content, "text/html; charset=utf-8")}
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        got = c.get(asset)
        if got.status_code == 200:
            site[asset] = (body(got), got["Content-Type"])
    return site


@contextmanager
def chromium_page(site: Site) -> Iterator[Any]:
    import os
    import shutil
    from urllib.parse import urlsplit

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        if os.environ.get("CI") or os.environ.get("GONGZHI_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required for the browser checks: apt-get install chromium")
        pytest.skip("Chromium not installed")
    from playwright.sync_api import sync_playwright

    def serve(route: Any) -> None:
        found = site.get(urlsplit(route.request.url).path)
        if found is None:
            route.fulfill(status=404, body="")
        else:
            route.fulfill(status=200, body=found[0], content_type=found[1])

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_context(base_url="http://testserver").new_page()
            page.set_default_timeout(15000)
            page.route("**/*", serve)
            page.dialogs = []
            page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
            yield page
        finally:
            browser.close()


@pytest.mark.e2e
def test_map_tooltips_show_typed_names_as_text(tree: dict[str, Area], role_users: dict[str, User]) -> None:
    """Leaflet parses a string tooltip as HTML: a case title, a building's name or address, or an
    area's name that carries markup must show as text on the case page and the area map."""
    cw = case_world(tree)
    case = do_intake(workflow="hotline", title=f"{TRAP}路灯", channel="web", lon=IN_GRID_1[0], lat=IN_GRID_1[1]).case
    Building.objects.create(grid=tree[GRID_1], name=f"{TRAP}楼", address=f"{TRAP}号", lon=IN_GRID_1[0], lat=IN_GRID_1[1])
    area = tree["430104002014002"]
    area.name = f"{TRAP}网格"
    area.save()
    case_page = snapshot(client_for(cw.dispatcher), f"/cases/{case.number}/")
    area_page = snapshot(client_for(role_users[Role.COMMUNITY_WORKER]), "/areas/430104002014/")
    problems: list[str] = []
    with chromium_page({**case_page, **area_page}) as page:
        page.goto(f"/cases/{case.number}/")
        page.locator("#map path.leaflet-interactive").first.hover()
        tooltip = page.locator(".leaflet-tooltip").first
        tooltip.wait_for()
        if tooltip.text_content() != case.title:
            problems.append(f"case page tooltip shows {tooltip.text_content()!r}")
        ran = page.evaluate("window.__xss || []")
        page.goto("/areas/430104002014/")
        page.wait_for_selector("#map[data-ready]")
        labels = page.locator(".leaflet-tooltip.area-label").all_text_contents()
        if area.name not in labels:
            problems.append(f"area labels are {labels!r}")
        for marker in page.locator("#map path.leaflet-interactive").all():
            marker.hover(force=True)
        shown = page.locator(".leaflet-tooltip").all_text_contents()
        if f"{TRAP}楼 · {TRAP}号" not in shown:
            problems.append(f"building tooltips are {shown!r}")
        ran += page.evaluate("window.__xss || []")
        if ran or page.dialogs:
            problems.append(f"markup ran in the page: {ran} {page.dialogs}")
    assert not problems, "\n".join(problems)
