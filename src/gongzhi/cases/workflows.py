"""The shipped workflows: 12345 接诉即办, 网格事件 (五统), 数字城管 (GB/T 30428 7-step loop)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gongzhi.cases.workflow import Clock, Transition, Workflow, register_workflow
from gongzhi.core.access import Role

HANDLERS = frozenset({Role.DEPT_HANDLER, Role.COMMUNITY_WORKER, Role.STREET_DISPATCHER})
DISPATCHERS = frozenset({Role.STREET_DISPATCHER, Role.CENTER_DUTY_CHIEF})
CENTRE = frozenset({Role.CENTER_SUPERVISOR, Role.CENTER_DUTY_CHIEF})
CHIEF = frozenset({Role.CENTER_DUTY_CHIEF})
# 街乡吹哨、部门报到: the street or community summons departments to a case on the ground.
WHISTLERS = frozenset({Role.STREET_DISPATCHER, Role.COMMUNITY_WORKER})


def t(action: str, label: str | Promise, sources: Iterable[str], target: str, roles: Iterable[str], **kw: object) -> Transition:
    roles = frozenset(roles)
    # Handlers act on what was sent to their unit, never on a case merely inside their area.
    kw.setdefault("by_assignee", roles == HANDLERS)
    return Transition(action=action, label=label, sources=frozenset(sources), target=target,
                      roles=roles, **kw)  # type: ignore[arg-type]


HOTLINE_OPEN = ("received", "dispatched", "accepted", "committed", "replied", "reviewed")
HOTLINE = register_workflow(Workflow(
    code="hotline",
    name=_("12345 接诉即办"),
    initial="received",
    states={
        "received": _("已受理"), "dispatched": _("已派单"), "accepted": _("办理中"), "committed": _("承诺办理"),
        "return_requested": _("退单待审"), "extension_requested": _("延期待批"), "replied": _("已回复"),
        "reviewed": _("待回访"), "followed_up": _("已回访"), "closed": _("已办结"),
    },
    final=frozenset({"closed"}),
    paused=frozenset({"committed"}),
    transitions=(
        t("dispatch", _("派单"), ["received"], "dispatched", DISPATCHERS, effect="dispatch"),
        t("accept", _("签收"), ["dispatched"], "accepted", HANDLERS),
        t("return", _("退单"), ["dispatched", "accepted"], "return_requested", HANDLERS, needs_note=True),
        t("approve_return", _("同意退单（待改派）"), ["return_requested"], "received", DISPATCHERS, effect="undispatch"),
        t("reject_return", _("驳回退单"), ["return_requested"], "accepted", DISPATCHERS, needs_note=True),
        t("request_extension", _("申请延期"), ["accepted"], "extension_requested", HANDLERS, needs_note=True),
        t("approve_extension", _("批准延期"), ["extension_requested"], "accepted", CHIEF, effect="extend"),
        t("reject_extension", _("驳回延期"), ["extension_requested"], "accepted", CHIEF, needs_note=True),
        t("commit", _("承诺办理"), ["accepted"], "committed", HANDLERS, needs_note=True, clock=Clock.PAUSE),
        t("resume", _("恢复办理"), ["committed"], "accepted", HANDLERS, clock=Clock.RESUME),
        t("reply", _("回复"), ["accepted"], "replied", HANDLERS, needs_note=True, milestone="handled"),
        t("approve_reply", _("审核通过"), ["replied"], "reviewed", CENTRE | {Role.STREET_DISPATCHER}),
        t("reject_reply", _("审核退回"), ["replied"], "accepted", CENTRE | {Role.STREET_DISPATCHER}, needs_note=True,
          effect="rework"),
        t("follow_up", _("回访"), ["reviewed"], "followed_up", CENTRE, effect="follow_up"),
        t("close", _("办结"), ["followed_up"], "closed", CENTRE, clock=Clock.STOP, milestone="closed"),
        t("supervise", _("督办"), HOTLINE_OPEN, "", CENTRE, needs_note=True),
        t("whistle", _("吹哨（召集部门）"), ["dispatched", "accepted"], "", WHISTLERS, needs_note=True, effect="summon"),
        t("report_in", _("报到"), ["dispatched", "accepted"], "", {Role.DEPT_HANDLER}, by_assignee=True, needs_note=True),
    ),
))

GRID_OPEN = ("reported", "community_accepted", "self_handled", "street_received", "dispatched", "handling", "fed_back")
GRID_EVENT = register_workflow(Workflow(
    code="grid_event",
    name=_("网格事件"),
    initial="reported",
    states={
        "reported": _("网格上报"), "community_accepted": _("社区受理"), "self_handled": _("社区自办完成"),
        "street_received": _("街镇受理"), "dispatched": _("已派遣"), "handling": _("处置中"), "fed_back": _("处置反馈"),
        "closed": _("已结案"), "cancelled": _("已作废"),
    },
    final=frozenset({"closed", "cancelled"}),
    transitions=(
        t("community_accept", _("社区受理"), ["reported"], "community_accepted", {Role.COMMUNITY_WORKER}),
        t("self_handle", _("社区自办"), ["community_accepted"], "self_handled", {Role.COMMUNITY_WORKER}, needs_note=True,
          milestone="handled"),
        t("escalate", _("上报街镇"), ["community_accepted"], "street_received", {Role.COMMUNITY_WORKER}, needs_note=True),
        t("dispatch", _("派遣"), ["street_received"], "dispatched", DISPATCHERS, effect="dispatch"),
        t("accept", _("签收"), ["dispatched"], "handling", HANDLERS),
        t("return", _("回退"), ["dispatched"], "street_received", HANDLERS, needs_note=True, effect="undispatch"),
        t("feed_back", _("处置反馈"), ["handling"], "fed_back", HANDLERS, needs_note=True, milestone="handled"),
        t("verify_pass", _("核查通过"), ["self_handled", "fed_back"], "closed", {Role.GRID_WORKER}, clock=Clock.STOP,
          milestone="closed"),
        t("verify_fail", _("核查不通过（返工）"), ["fed_back"], "handling", {Role.GRID_WORKER}, needs_note=True,
          effect="rework"),
        t("verify_fail_self", _("核查不通过（社区重办）"), ["self_handled"], "community_accepted", {Role.GRID_WORKER},
          needs_note=True, effect="rework"),
        t("cancel", _("作废"), ["reported", "community_accepted", "street_received"], "cancelled",
          {Role.COMMUNITY_WORKER, Role.STREET_DISPATCHER}, needs_note=True, clock=Clock.STOP),
        t("supervise", _("督办"), GRID_OPEN, "", CENTRE, needs_note=True),
        t("whistle", _("吹哨（召集部门）"), ["street_received", "dispatched", "handling"], "", WHISTLERS, needs_note=True,
          effect="summon"),
        t("report_in", _("报到"), ["dispatched", "handling"], "", {Role.DEPT_HANDLER}, by_assignee=True, needs_note=True),
    ),
))

URBAN_OPEN = ("collected", "verifying", "registered", "dispatched", "handling", "on_hold", "fed_back")
URBAN = register_workflow(Workflow(
    code="urban",
    name=_("数字城管"),
    initial="collected",
    states={
        "collected": _("信息收集"), "verifying": _("核实中"), "registered": _("已立案"), "dispatched": _("已派遣"),
        "handling": _("处置中"), "on_hold": _("挂账"), "extension_requested": _("延期待批"), "fed_back": _("处置反馈"),
        "closed": _("核查结案"), "evaluated": _("已评价"), "cancelled": _("已作废"),
    },
    final=frozenset({"evaluated", "cancelled"}),
    paused=frozenset({"on_hold"}),
    transitions=(
        t("send_verify", _("核实"), ["collected"], "verifying", CENTRE | {Role.STREET_DISPATCHER}),
        t("verified", _("核实属实"), ["verifying"], "collected", {Role.GRID_WORKER}, needs_note=True),
        t("register", _("立案"), ["collected"], "registered", CHIEF),
        t("cancel", _("作废"), ["collected", "verifying", "registered"], "cancelled", CHIEF, needs_note=True,
          clock=Clock.STOP),
        t("dispatch", _("派遣"), ["registered"], "dispatched", DISPATCHERS | {Role.CENTER_SUPERVISOR}, effect="dispatch"),
        t("accept", _("签收"), ["dispatched"], "handling", HANDLERS),
        t("return", _("回退"), ["dispatched", "handling"], "registered", HANDLERS, needs_note=True, effect="undispatch"),
        t("request_extension", _("申请延期"), ["handling"], "extension_requested", HANDLERS, needs_note=True),
        t("approve_extension", _("批准延期"), ["extension_requested"], "handling", CHIEF, effect="extend"),
        t("reject_extension", _("驳回延期"), ["extension_requested"], "handling", CHIEF, needs_note=True),
        t("hold", _("挂账"), ["handling"], "on_hold", CHIEF, needs_note=True, clock=Clock.PAUSE),
        t("unhold", _("挂账恢复"), ["on_hold"], "handling", CHIEF, clock=Clock.RESUME),
        t("feed_back", _("处置反馈"), ["handling"], "fed_back", HANDLERS, needs_note=True, milestone="handled"),
        t("check_pass", _("核查结案"), ["fed_back"], "closed", CHIEF | {Role.GRID_WORKER}, clock=Clock.STOP,
          milestone="closed"),
        t("check_fail", _("核查不通过（返工）"), ["fed_back"], "handling", CHIEF | {Role.GRID_WORKER}, needs_note=True,
          effect="rework"),
        t("evaluate", _("综合评价"), ["closed"], "evaluated", CENTRE),
        t("supervise", _("督办"), URBAN_OPEN, "", CENTRE, needs_note=True),
    ),
))
