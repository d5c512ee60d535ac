"""Who may reach every page and API operation, and how to ask: the table behind
tests/proof/test_endpoint_access.py.

Two parts, both written by hand (never derived from core.access, which is what they check):

MATRIX   one row per access rule, one column per role (each posted at its natural level,
         tests.builders.ROLE_POSTS) and one for an anonymous visitor. A cell says whether that
         column reaches an object INSIDE grid 430104002014001 (G1, 岳麓区) and one OUTSIDE it,
         in 识字里社区第1网格 430102001001001 (G5, 芙蓉区 — the other district):
             ++ both    +- inside only    -- neither
ROUTES   every URL route (the resolver's own spelling) and every django-ninja operation
         ("METHOD /api/path" as in the OpenAPI document) → the requests that probe it, each
         naming its MATRIX row and building the request at the inside and the outside object.

A route or operation missing here fails the suite ("new endpoint … has no access rule"); so does
an entry whose route is gone, a role without a column, and a row without a cell for every
column. When a role is added to core.access.Role, add its column to COLUMNS and MATRIX.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gongzhi.accounts.models import LoginThrottle, Post, User
from gongzhi.cases.models import Attachment, Case, Category
from gongzhi.core.access import Role
from gongzhi.insight.models import HotspotAlert, TextModel
from gongzhi.registry.models import ImportJob, Organisation
from tests.registry.pages_builders import G1, G5, City

ANONYMOUS = "anonymous"
COMMUNITY_IN, COMMUNITY_OUT = G1[:12], G5[:12]  # 麓山南路社区 / 识字里社区
IN_POINT, OUT_POINT = (112.905, 28.205), (112.945, 28.205)  # inside G1's square / G5's (tests.builders)

# The MATRIX's column names → who. Posts: grid G1, community 430104002014, street 430104002,
# department/centre/leader 岳麓区 430104, the three administrators (三员) the city 4301, data
# reader 430104002; the resident holds a resident post in 430104002014.
COLUMNS: dict[str, str] = {
    "grid": Role.GRID_WORKER, "comm": Role.COMMUNITY_WORKER, "street": Role.STREET_DISPATCHER,
    "dept": Role.DEPT_HANDLER, "super": Role.CENTER_SUPERVISOR, "chief": Role.CENTER_DUTY_CHIEF,
    "leader": Role.LEADER, "admin": Role.SYS_ADMIN, "secur": Role.SECURITY_ADMIN, "audit": Role.AUDIT_ADMIN,
    "resid": Role.RESIDENT, "reader": Role.DATA_READER, "anon": ANONYMOUS,
}

# The specification. Notes on rows:
#   intake          registering a new case by the API, Open311 (with one's key) or the 网格上报 form:
#                   any signed-in user, anywhere — a case lands where its point or area says (as
#                   the residents' public report page does); its page then follows the case row
#   area            an area's page/map/API: staff inside their subtree (the district's posts see G1),
#                   the system and security administrators the whole city (they configure areas and
#                   posts); the audit administrator and residents nothing
#   case            one case: staff of the area — the department handler by its unit's assignment
#                   (the G1 case is dispatched to its 城管局), not by area; none of the three
#                   administrators (三员分立: configuring, securing or auditing is not handling cases)
#   case_next_door  a case in 枇杷塘社区, the G1 community's neighbour in the same street (shown among
#                   a case's possible duplicates only to those who may open it)
#   case_scope      pages for anyone holding a case scope anywhere (hotline form, rates, the
#                   proposal): not the department (no area scope), the administrators, residents
#   hotline_desk    the 12345 intake form: posts over a street or community (a grid post has neither)
#   hotline_intake  a 12345 call registered at a street/community of one's scope
#   registry        人地事物组织 read (masked): frontline posts and the 台账查阅员; not the department,
#                   not the administrators, not residents
#   registry_change visits, moves and imports: grid and community workers, in their area
#   registry_writer pages for anyone who may change the registry somewhere (import upload)
#   personal_data   a value in full with a reason, an unmasked export, linking residents to a
#                   case, a colleague's phone: frontline posts in their area only
#   import_owner    an import job: only its uploader (the inside job is the grid worker's, the
#                   outside one another grid worker's)
#   audit           the audit trail: the audit administrator only
#   security        sign-in locks, policies, keys' state: the security administrator only
#   classifier(_change)  智能派单 models: street/centre/leader read; the centre retrains/switches
#   hotspot(_change)     热点: frontline read; dispatcher and centre mark alerts handled
MATRIX = """
rule              grid comm street dept super chief leader admin secur audit resid reader anon
public             ++   ++    ++    ++   ++    ++    ++     ++    ++    ++    ++    ++    ++
login              ++   ++    ++    ++   ++    ++    ++     ++    ++    ++    ++    ++    --
intake             ++   ++    ++    ++   ++    ++    ++     ++    ++    ++    ++    ++    --
nobody             --   --    --    --   --    --    --     --    --    --    --    --    --
area               +-   +-    +-    +-   +-    +-    +-     ++    ++    --    --    +-    --
case               +-   +-    +-    +-   +-    +-    +-     --    --    --    --    +-    --
case_scope         ++   ++    ++    --   ++    ++    ++     --    --    --    --    ++    --
case_next_door     --   --    +-    --   +-    +-    +-     --    --    --    --    +-    --
hotline_desk       --   ++    ++    --   ++    ++    ++     --    --    --    --    ++    --
hotline_intake     --   +-    +-    --   +-    +-    +-     --    --    --    --    +-    --
registry           +-   +-    +-    --   +-    +-    +-     --    --    --    --    +-    --
registry_change    +-   +-    --    --   --    --    --     --    --    --    --    --    --
registry_writer    ++   ++    --    --   --    --    --     --    --    --    --    --    --
personal_data      +-   +-    +-    --   +-    +-    +-     --    --    --    --    --    --
import_owner       +-   --    --    --   --    --    --     --    --    --    --    --    --
audit              --   --    --    --   --    --    --     --    --    ++    --    --    --
security           --   --    --    --   --    --    --     --    ++    --    --    --    --
classifier         --   --    ++    --   ++    ++    ++     --    --    --    --    --    --
classifier_change  --   --    --    --   ++    ++    --     --    --    --    --    --    --
hotspot            +-   +-    +-    --   +-    +-    +-     --    --    --    --    --    --
hotspot_change     --   --    +-    --   +-    +-    --     --    --    --    --    --    --
"""


def parse_matrix(text: str) -> dict[str, dict[str, tuple[bool, bool]]]:
    """rule → who (a Role value or ANONYMOUS) → (reaches the inside object, the outside one)."""
    lines = [line.split() for line in text.strip().splitlines()]
    header, rows = lines[0][1:], lines[1:]
    unknown = set(header) - set(COLUMNS)
    if unknown:
        raise ValueError(f"MATRIX columns not in COLUMNS: {sorted(unknown)}")
    out: dict[str, dict[str, tuple[bool, bool]]] = {}
    for rule, *cells in rows:
        if len(cells) != len(header) or any(c not in ("++", "+-", "-+", "--") for c in cells):
            raise ValueError(f"MATRIX row {rule!r} needs one of ++ +- -- for each of {header}")
        out[rule] = {COLUMNS[col]: (c[0] == "+", c[1] == "+") for col, c in zip(header, cells, strict=True)}
    return out


EXPECT = parse_matrix(MATRIX)


@dataclass
class World:
    """The module's one small city (built once by the test module)."""

    city: City  # tests.registry.pages_builders: buildings, houses, people, a case in G1 and in G5
    users: dict[str, User]  # role → its user at ROLE_POSTS
    tokens: dict[str, str]  # role → an API key of that user
    outsider: User  # a grid worker of G5
    category: Category
    org5: Organisation
    att_in: Attachment
    att_out: Attachment
    alert_in: HotspotAlert
    alert_out: HotspotAlert
    job_in: ImportJob  # uploaded by the grid worker
    job_out: ImportJob  # uploaded by the outsider
    model: TextModel  # a version still training: retrain and activate change nothing
    post_in: Post  # the grid worker's post in G1
    post_out: Post  # the outsider's post in G5
    lock: LoginThrottle  # a locked-out account
    next_door: Case  # the G1 case's problem reported again in 枇杷塘社区 (same street, other community)

    def case(self, inside: bool) -> Case:
        return self.city.case if inside else self.city.case5


@dataclass(frozen=True)
class Req:
    method: str
    url: str
    data: dict[str, Any] | None = None
    marker: str = ""  # text of the object: in the answer only for those who reach it


Build = Callable[[World, bool], Req]
State = Callable[[World, bool], object]

OK = frozenset({200})
REDIRECT = frozenset({302})
REFUSED = frozenset({403, 404})


@dataclass(frozen=True)
class Probe:
    rule: str  # the MATRIX row deciding who gets an answer
    build: Build
    ok: frozenset[int] = OK  # statuses of an allowed request (a 302 must not lead to a login page)
    refused: frozenset[int] = REFUSED  # statuses of a refused one, for signed-in users
    anon_refused: frozenset[int] | None = None  # default: pages 302 to the login, the API 401
    sees: str | None = None  # the MATRIX row deciding who may find the marker in the answer
    listing: bool = False  # a list: reaching the object means finding its marker in the answer
    state: State | None = None  # for writes: what a refused request must leave unchanged
    login_url: str = "/login/"
    api_key: bool = False  # send the user's API key as the form field api_key (Open311)
    note: str = ""


def get(url: str, marker: str = "") -> Req:
    return Req("get", url, None, marker)


def post(url: str, data: dict[str, Any] | None = None, marker: str = "") -> Req:
    return Req("post", url, data or {}, marker)


def area(i: bool) -> str:
    return G1 if i else G5


def person(w: World, i: bool) -> Any:
    return w.city.zhang if i else w.city.zhao


def person_state(w: World, i: bool) -> object:
    from gongzhi.registry.models import Person

    return tuple(Person.objects.filter(pk=person(w, i).pk).values_list("name", "left_at"))


def reveals(w: World, i: bool) -> object:
    from gongzhi.core.models import AuditEvent

    return AuditEvent.objects.filter(action="pii.reveal").count()


def case_state(w: World, i: bool) -> object:
    return tuple(Case.objects.filter(pk=w.case(i).pk).values_list("version", "step_count", "merged_into_id", "state"))


def job_state(w: World, i: bool) -> object:
    job = w.job_in if i else w.job_out
    return tuple(ImportJob.objects.filter(pk=job.pk).values_list("status", "mapping", "valid_rows_only"))


def hotline_title(i: bool) -> str:
    return f"访问规则核对热线{'内' if i else '外'}"


def hotline_made(w: World, i: bool) -> object:
    return Case.objects.filter(title=hotline_title(i)).exists()


def member_name(i: bool) -> str:
    return f"走访新人{'甲' if i else '乙'}"


def member_made(w: World, i: bool) -> object:
    from gongzhi.registry.models import Person

    return Person.objects.filter(name=member_name(i)).exists()


def residence_open(w: World, i: bool) -> object:
    from gongzhi.registry.models import Residence

    house, who = (w.city.h102, w.city.li) if i else (w.city.h501, w.city.zhao)
    return Residence.objects.filter(house=house, person=who, until__isnull=True).exists()


def links(w: World, i: bool) -> object:
    from gongzhi.registry.models import CaseSubject

    return CaseSubject.objects.filter(case=w.case(i)).count()


def models_state(w: World, i: bool) -> object:
    return tuple(TextModel.objects.values_list("pk", "status").order_by("pk"))


def alert_state(w: World, i: bool) -> object:
    alert = w.alert_in if i else w.alert_out
    return HotspotAlert.objects.filter(pk=alert.pk).values_list("handled_at", flat=True).first()


def lock_state(w: World, i: bool) -> object:
    return LoginThrottle.objects.filter(pk=w.lock.pk).exists()


def case_url(w: World, i: bool, tail: str = "") -> str:
    return f"/cases/{w.case(i).number}/{tail}"


def job_url(w: World, i: bool, tail: str = "") -> str:
    return f"/registry/import/{(w.job_in if i else w.job_out).pk}/{tail}"


def hotline_form(w: World, i: bool) -> Req:
    return post("/cases/new/", {"kind": "投诉", "category": w.category.pk, "area": COMMUNITY_IN if i else COMMUNITY_OUT,
                                "title": hotline_title(i), "description": "核对受理范围", "reporter_phone": "13800138000"})


def open311_post(w: World, i: bool) -> Req:
    lon, lat = IN_POINT if i else OUT_POINT
    return post("/open311/v2/requests.json", {"service_code": w.category.code, "lat": lat, "long": lon,
                                              "description": "开放接口上报"})


# route (as django's resolver spells it) or "METHOD /api/path" (as the OpenAPI document does) → probes
ROUTES: dict[str, list[Probe]] = {
    # --- public by design ---
    "login/": [Probe("public", lambda w, i: get("/login/"))],
    "logout/": [Probe("public", lambda w, i: post("/logout/", {"next": "/track/"}), ok=REDIRECT)],
    "i18n/setlang/": [Probe("public", lambda w, i: post("/i18n/setlang/", {"language": "zh-hans", "next": "/"}),
                            ok=REDIRECT)],
    "api/openapi.json": [Probe("public", lambda w, i: get("/api/openapi.json"))],
    "api/docs": [Probe("public", lambda w, i: get("/api/docs"))],
    "api/": [Probe("nobody", lambda w, i: get("/api/"), refused=frozenset({404}), anon_refused=frozenset({404}),
                   note="django-ninja's mount point: nothing is served there")],
    "track/": [Probe("public", lambda w, i: get("/track/"))],
    "track/report/": [Probe("public", lambda w, i: get("/track/report/"))],
    # Open311 reads are public by the spec and carry no personal data (tests/cases/test_open311.py)
    r"open311/v2/^discovery\.(?P<fmt>\w+)$": [Probe("public", lambda w, i: get("/open311/v2/discovery.json"))],
    r"open311/v2/^services\.(?P<fmt>\w+)$": [Probe("public", lambda w, i: get("/open311/v2/services.json"))],
    r"open311/v2/^services/(?P<code>[\w-]+)\.(?P<fmt>\w+)$": [
        Probe("public", lambda w, i: get(f"/open311/v2/services/{w.category.code}.json"))],
    r"open311/v2/^requests\.(?P<fmt>\w+)$": [
        Probe("public", lambda w, i: get("/open311/v2/requests.json")),
        # POST needs an api_key: any user's will do; without one the spec's 403
        Probe("intake", open311_post, anon_refused=frozenset({403}), api_key=True),
    ],
    r"open311/v2/^requests/(?P<request_id>[\w-]+)\.(?P<fmt>\w+)$": [
        Probe("public", lambda w, i: get(f"/open311/v2/requests/{w.case(i).number}.json"))],
    r"open311/v2/^tokens/(?P<token_id>[\w-]+)\.(?P<fmt>\w+)$": [
        Probe("public", lambda w, i: get("/open311/v2/tokens/x.json"), ok=frozenset({404}),
              note="requests get their id at once: never a pending token")],
    # --- the Django admin: is_staff only (none of the role users is staff; see test_admin_*) ---
    "admin/": [Probe("nobody", lambda w, i: get("/admin/"), refused=REDIRECT, anon_refused=REDIRECT,
                     login_url="/admin/login/")],
    # --- any signed-in user ---
    "": [Probe("login", lambda w, i: get("/"))],
    "accounts/password/": [Probe("login", lambda w, i: get("/accounts/password/"))],
    "accounts/2fa/setup/": [Probe("login", lambda w, i: get("/accounts/2fa/setup/"))],
    "accounts/2fa/verify/": [Probe("login", lambda w, i: get("/accounts/2fa/verify/"), ok=REDIRECT,
                                   note="no confirmed device: sent to set one up")],
    "cases/": [Probe("login", lambda w, i: get("/cases/", w.case(i).title), sees="case")],
    "cases/supervision/": [Probe("login", lambda w, i: get("/cases/supervision/", w.case(i).title), sees="case")],
    "cases/report/": [
        Probe("intake", lambda w, i: get("/cases/report/")),
        Probe("intake", lambda w, i: post("/cases/report/", {"title": "网格上报核对", "lon": (IN_POINT if i else OUT_POINT)[0],
                                                              "lat": (IN_POINT if i else OUT_POINT)[1]}), ok=REDIRECT,
              note="placed in the grid of its point"),
    ],
    # --- areas ---
    "areas/<str:path>/": [Probe("area", lambda w, i: get(f"/areas/{area(i)}/", w.city.tree[area(i)].name))],
    "GET /api/areas/{path}": [Probe("area", lambda w, i: get(f"/api/areas/{area(i)}", w.city.tree[area(i)].name))],
    "GET /api/areas/{path}/children": [Probe("area", lambda w, i: get(f"/api/areas/{area(i)}/children"))],
    "GET /api/locate": [Probe("login", lambda w, i: get(
        "/api/locate?lon={}&lat={}".format(*(IN_POINT if i else OUT_POINT))))],
    # --- staff directory: a colleague's phone in full ---
    "accounts/posts/<int:post_id>/reveal-phone/": [Probe(
        "personal_data", lambda w, i: post(f"/accounts/posts/{(w.post_in if i else w.post_out).pk}/reveal-phone/",
                                           {"reason": "核实联系方式"}), state=reveals)],
    # --- audit and security: one administrator each ---
    "audit/": [Probe("audit", lambda w, i: get("/audit/"))],
    "accounts/security/": [Probe("security", lambda w, i: get("/accounts/security/"))],
    "accounts/security/locks/<int:throttle_id>/unlock/": [Probe(
        "security", lambda w, i: post(f"/accounts/security/locks/{w.lock.pk}/unlock/"), ok=REDIRECT, state=lock_state)],
    # --- cases ---
    "cases/new/": [
        Probe("hotline_desk", lambda w, i: get("/cases/new/")),
        Probe("hotline_intake", hotline_form, ok=REDIRECT, refused=frozenset({400, 403}), state=hotline_made,
              note="outside one's areas the area is not a choice of the form (400)"),
    ],
    "cases/rates/": [Probe("case_scope", lambda w, i: get("/cases/rates/"))],
    "cases/indicators/": [Probe("case_scope", lambda w, i: get("/cases/indicators/"))],
    "cases/<str:number>/": [
        Probe("case", lambda w, i: get(case_url(w, i), w.case(i).title)),
        Probe("case", lambda w, i: get(case_url(w, i), w.next_door.number if i else ""), sees="case_next_door",
              note="the same problem reported next door is listed as a possible duplicate"),
    ],
    "cases/<str:number>/act/": [Probe("case", lambda w, i: post(case_url(w, i, "act/"), {
        "action": "no-such-action", "version": w.case(i).version}), ok=REDIRECT, state=case_state,
        note="past the access check the workflow refuses the action (its rules: tests/cases)")],
    "cases/<str:number>/merge/": [Probe("case", lambda w, i: post(case_url(w, i, "merge/"), {
        "into": w.case(i).number}), ok=REDIRECT, state=case_state)],
    "cases/<str:number>/files/<int:pk>/": [Probe("case", lambda w, i: get(
        case_url(w, i, f"files/{(w.att_in if i else w.att_out).pk}/")))],
    "POST /api/cases": [
        Probe("intake", lambda w, i: post("/api/cases", {"title": "接口受理", "area": area(i)}), ok=frozenset({201})),
        Probe("case", lambda w, i: post("/api/cases", {"title": "重试", "area": area(i), "client_key": w.case(i).client_key},
                                        w.case(i).title), ok=OK,
              note="a retry with a key already used answers with that case: only to who may see it"),
    ],
    "GET /api/cases": [Probe("login", lambda w, i: get("/api/cases", w.case(i).title), sees="case", listing=True)],
    "GET /api/cases/{number}": [Probe("case", lambda w, i: get(f"/api/cases/{w.case(i).number}", w.case(i).title))],
    "POST /api/cases/{number}/transitions": [Probe(
        "case", lambda w, i: post(f"/api/cases/{w.case(i).number}/transitions", {"action": "no-such-action"}),
        ok=frozenset({400}), state=case_state)],
    # --- registry ---
    "registry/area/<str:path>/": [Probe("registry", lambda w, i: get(
        f"/registry/area/{area(i)}/", (w.city.b1 if i else w.city.b5).name), listing=True)],
    "registry/search/": [Probe("registry", lambda w, i: get(
        f"/registry/search/?area={area(i)}&q={person(w, i).name[0]}", person(w, i).name), listing=True)],
    "registry/houses/": [Probe("registry", lambda w, i: get(
        f"/registry/houses/?area={area(i)}", (w.city.b1 if i else w.city.b5).name), listing=True)],
    "registry/organisations/": [Probe("registry", lambda w, i: get(
        f"/registry/organisations/?area={area(i)}", (w.city.org if i else w.org5).name), listing=True)],
    "registry/building/<int:pk>/": [Probe("registry", lambda w, i: get(
        f"/registry/building/{(w.city.b1 if i else w.city.b5).pk}/", (w.city.b1 if i else w.city.b5).name))],
    "registry/house/<int:pk>/": [Probe("registry", lambda w, i: get(
        f"/registry/house/{(w.city.h101 if i else w.city.h501).pk}/", person(w, i).name))],
    "registry/person/<int:pk>/": [Probe("registry", lambda w, i: get(
        f"/registry/person/{person(w, i).pk}/", person(w, i).name))],
    "registry/person/<int:pk>/reveal/": [Probe("personal_data", lambda w, i: post(
        f"/registry/person/{person(w, i).pk}/reveal/", {"field": "id_number", "reason": "核实身份信息"}), state=reveals)],
    # a person's rights over their data (registry.rights): a copy needs the full view, the rest a change
    "registry/person/<int:pk>/copy/": [Probe("personal_data", lambda w, i: post(
        f"/registry/person/{person(w, i).pk}/copy/", {"reason": "本人申请副本"}))],
    "registry/person/<int:pk>/correct/": [
        Probe("registry_change", lambda w, i: get(f"/registry/person/{person(w, i).pk}/correct/")),
        Probe("registry_change", lambda w, i: post(f"/registry/person/{person(w, i).pk}/correct/", {
            "name": person(w, i).name + "改", "residency": person(w, i).residency, "reason": "本人申请更正"}),
            ok=REDIRECT, state=person_state),
    ],
    "registry/person/<int:pk>/delete/": [Probe("registry_change", lambda w, i: post(
        f"/registry/person/{person(w, i).pk}/delete/", {"reason": "本人申请删除"}), ok=frozenset({302, 400}),
        state=person_state, note="a resident who has not left is refused by the rule (400), past the access check")],
    "registry/export/<str:kind>/": [
        Probe("registry", lambda w, i: get(f"/registry/export/people/?area={area(i)}")),
        Probe("personal_data", lambda w, i: post(f"/registry/export/people/?area={area(i)}", {"reason": "民政核对名单"}),
              note="the unmasked export"),
    ],
    "registry/visit/": [Probe("registry_change", lambda w, i: get(
        f"/registry/visit/?building={'麓山' if i else '识字里'}", (w.city.b1 if i else w.city.b5).name), listing=True,
        note="not tied to an object: outside one's grids the search finds nothing")],
    "registry/visit/house/<int:pk>/": [
        Probe("registry_change", lambda w, i: get(f"/registry/visit/house/{(w.city.h101 if i else w.city.h501).pk}/")),
        Probe("registry_change", lambda w, i: post(f"/registry/visit/house/{(w.city.h101 if i else w.city.h501).pk}/",
                                                   {"name": member_name(i), "residency": "registered"}),
              ok=REDIRECT, state=member_made),
    ],
    "registry/visit/house/<int:pk>/moved-out/": [Probe("registry_change", lambda w, i: post(
        f"/registry/visit/house/{(w.city.h102 if i else w.city.h501).pk}/moved-out/",
        {"person": (w.city.li if i else w.city.zhao).pk}), ok=REDIRECT, state=residence_open)],
    "registry/case/<str:number>/link/": [
        Probe("personal_data", lambda w, i: get(
            f"/registry/case/{w.case(i).number}/link/?kind=person&q={(w.city.li if i else w.city.zhao).name[0]}",
            (w.city.li if i else w.city.zhao).name), listing=True),
        Probe("personal_data", lambda w, i: post(f"/registry/case/{w.case(i).number}/link/", {
            "kind": "person", "pk": (w.city.li if i else w.city.zhao).pk}), ok=REDIRECT, state=links),
    ],
    "registry/stats/<str:path>/": [Probe("registry", lambda w, i: get(f"/registry/stats/{area(i)}/"))],
    "GET /api/registry/people": [Probe("registry", lambda w, i: get(
        f"/api/registry/people?area={area(i)}", person(w, i).name), listing=True)],
    "GET /api/registry/people/{person_id}": [Probe("registry", lambda w, i: get(
        f"/api/registry/people/{person(w, i).pk}", person(w, i).name))],
    # --- 台账导入: the uploader's own jobs ---
    "registry/import/": [Probe("registry_writer", lambda w, i: get("/registry/import/"))],
    "registry/import/<int:pk>/": [Probe("import_owner", lambda w, i: get(job_url(w, i)))],
    "registry/import/<int:pk>/mapping/": [Probe("import_owner", lambda w, i: post(job_url(w, i, "mapping/")),
                                                ok=REDIRECT, state=job_state)],
    "registry/import/<int:pk>/run/": [Probe("import_owner", lambda w, i: post(job_url(w, i, "run/"), {"mode": "valid"}),
                                            ok=REDIRECT, state=job_state)],
    "registry/import/<int:pk>/cancel/": [Probe("import_owner", lambda w, i: post(job_url(w, i, "cancel/")),
                                               ok=REDIRECT, state=job_state)],
    "registry/import/<int:pk>/progress/": [Probe("import_owner", lambda w, i: get(job_url(w, i, "progress/")))],
    "registry/import/<int:pk>/report.xlsx": [Probe("import_owner", lambda w, i: get(job_url(w, i, "report.xlsx")))],
    # --- 智能派单 ---
    "insight/suggest/": [Probe("case_scope", lambda w, i: get(f"/insight/suggest/?title=垃圾&area={area(i)}"))],
    "POST /api/insight/suggest": [Probe("case_scope", lambda w, i: post(
        "/api/insight/suggest", {"title": "垃圾", "area": area(i)}))],
    "insight/models/": [Probe("classifier", lambda w, i: get("/insight/models/"))],
    "GET /api/insight/models": [Probe("classifier", lambda w, i: get("/api/insight/models"))],
    "insight/models/retrain/": [Probe("classifier_change", lambda w, i: post("/insight/models/retrain/"),
                                      ok=REDIRECT, state=models_state,
                                      note="a version is already training: nothing starts")],
    "insight/models/<int:pk>/activate/": [Probe("classifier_change", lambda w, i: post(
        f"/insight/models/{w.model.pk}/activate/"), ok=REDIRECT, state=models_state)],
    "insight/hotspots/": [Probe("hotspot", lambda w, i: get(f"/insight/hotspots/?area={area(i)}"))],
    "GET /api/insight/hotspots": [Probe("hotspot", lambda w, i: get(f"/api/insight/hotspots?area={area(i)}"))],
    "insight/hotspots/alerts/<int:pk>/handled/": [Probe("hotspot_change", lambda w, i: post(
        f"/insight/hotspots/alerts/{(w.alert_in if i else w.alert_out).pk}/handled/"), ok=REDIRECT,
        state=alert_state)],
}


@dataclass(frozen=True)
class Check:
    route: str
    index: int
    probe: Probe = field(compare=False)

    @property
    def id(self) -> str:
        return f"{self.route or '/'}#{self.index}"


CHECKS = [Check(route, n, p) for route, probes in ROUTES.items() for n, p in enumerate(probes)]
