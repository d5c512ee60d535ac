"""The shipped workflows: 12345 接诉即办, 网格事件 (五统), 数字城管 (GB/T 30428 7-step loop)."""

from __future__ import annotations

from collections.abc import Iterable

from gongzhi.cases.workflow import Clock, Transition, Workflow, register_workflow
from gongzhi.core.access import Role

HANDLERS = frozenset({Role.DEPT_HANDLER, Role.COMMUNITY_WORKER, Role.STREET_DISPATCHER})
DISPATCHERS = frozenset({Role.STREET_DISPATCHER, Role.CENTER_DUTY_CHIEF})
CENTRE = frozenset({Role.CENTER_SUPERVISOR, Role.CENTER_DUTY_CHIEF})
CHIEF = frozenset({Role.CENTER_DUTY_CHIEF})
# 街乡吹哨、部门报到: the street or community summons departments to a case on the ground.
WHISTLERS = frozenset({Role.STREET_DISPATCHER, Role.COMMUNITY_WORKER})


def t(action: str, label: str, sources: Iterable[str], target: str, roles: Iterable[str], **kw: object) -> Transition:
    roles = frozenset(roles)
    # Handlers act on what was sent to their unit, never on a case merely inside their area.
    kw.setdefault("by_assignee", roles == HANDLERS)
    return Transition(action=action, label=label, sources=frozenset(sources), target=target,
                      roles=roles, **kw)  # type: ignore[arg-type]


HOTLINE_OPEN = ("received", "dispatched", "accepted", "committed", "replied", "reviewed")
HOTLINE = register_workflow(Workflow(
    code="hotline",
    name="12345 接诉即办",
    initial="received",
    states={
        "received": "已受理", "dispatched": "已派单", "accepted": "办理中", "committed": "承诺办理",
        "return_requested": "退单待审", "extension_requested": "延期待批", "replied": "已回复",
        "reviewed": "待回访", "followed_up": "已回访", "closed": "已办结",
    },
    final=frozenset({"closed"}),
    paused=frozenset({"committed"}),
    transitions=(
        t("dispatch", "派单", ["received"], "dispatched", DISPATCHERS, effect="dispatch"),
        t("accept", "签收", ["dispatched"], "accepted", HANDLERS),
        t("return", "退单", ["dispatched", "accepted"], "return_requested", HANDLERS, needs_note=True),
        t("approve_return", "同意退单（待改派）", ["return_requested"], "received", DISPATCHERS, effect="undispatch"),
        t("reject_return", "驳回退单", ["return_requested"], "accepted", DISPATCHERS, needs_note=True),
        t("request_extension", "申请延期", ["accepted"], "extension_requested", HANDLERS, needs_note=True),
        t("approve_extension", "批准延期", ["extension_requested"], "accepted", CHIEF, effect="extend"),
        t("reject_extension", "驳回延期", ["extension_requested"], "accepted", CHIEF, needs_note=True),
        t("commit", "承诺办理", ["accepted"], "committed", HANDLERS, needs_note=True, clock=Clock.PAUSE),
        t("resume", "恢复办理", ["committed"], "accepted", HANDLERS, clock=Clock.RESUME),
        t("reply", "回复", ["accepted"], "replied", HANDLERS, needs_note=True, milestone="handled"),
        t("approve_reply", "审核通过", ["replied"], "reviewed", CENTRE | {Role.STREET_DISPATCHER}),
        t("reject_reply", "审核退回", ["replied"], "accepted", CENTRE | {Role.STREET_DISPATCHER}, needs_note=True,
          effect="rework"),
        t("follow_up", "回访", ["reviewed"], "followed_up", CENTRE, effect="follow_up"),
        t("close", "办结", ["followed_up"], "closed", CENTRE, clock=Clock.STOP, milestone="closed"),
        t("supervise", "督办", HOTLINE_OPEN, "", CENTRE, needs_note=True),
        t("whistle", "吹哨（召集部门）", ["dispatched", "accepted"], "", WHISTLERS, needs_note=True, effect="summon"),
        t("report_in", "报到", ["dispatched", "accepted"], "", {Role.DEPT_HANDLER}, by_assignee=True, needs_note=True),
    ),
))

GRID_OPEN = ("reported", "community_accepted", "self_handled", "street_received", "dispatched", "handling", "fed_back")
GRID_EVENT = register_workflow(Workflow(
    code="grid_event",
    name="网格事件",
    initial="reported",
    states={
        "reported": "网格上报", "community_accepted": "社区受理", "self_handled": "社区自办完成",
        "street_received": "街镇受理", "dispatched": "已派遣", "handling": "处置中", "fed_back": "处置反馈",
        "closed": "已结案", "cancelled": "已作废",
    },
    final=frozenset({"closed", "cancelled"}),
    transitions=(
        t("community_accept", "社区受理", ["reported"], "community_accepted", {Role.COMMUNITY_WORKER}),
        t("self_handle", "社区自办", ["community_accepted"], "self_handled", {Role.COMMUNITY_WORKER}, needs_note=True,
          milestone="handled"),
        t("escalate", "上报街镇", ["community_accepted"], "street_received", {Role.COMMUNITY_WORKER}, needs_note=True),
        t("dispatch", "派遣", ["street_received"], "dispatched", DISPATCHERS, effect="dispatch"),
        t("accept", "签收", ["dispatched"], "handling", HANDLERS),
        t("return", "回退", ["dispatched"], "street_received", HANDLERS, needs_note=True, effect="undispatch"),
        t("feed_back", "处置反馈", ["handling"], "fed_back", HANDLERS, needs_note=True, milestone="handled"),
        t("verify_pass", "核查通过", ["self_handled", "fed_back"], "closed", {Role.GRID_WORKER}, clock=Clock.STOP,
          milestone="closed"),
        t("verify_fail", "核查不通过（返工）", ["fed_back"], "handling", {Role.GRID_WORKER}, needs_note=True,
          effect="rework"),
        t("verify_fail_self", "核查不通过（社区重办）", ["self_handled"], "community_accepted", {Role.GRID_WORKER},
          needs_note=True, effect="rework"),
        t("cancel", "作废", ["reported", "community_accepted", "street_received"], "cancelled",
          {Role.COMMUNITY_WORKER, Role.STREET_DISPATCHER}, needs_note=True, clock=Clock.STOP),
        t("supervise", "督办", GRID_OPEN, "", CENTRE, needs_note=True),
        t("whistle", "吹哨（召集部门）", ["street_received", "dispatched", "handling"], "", WHISTLERS, needs_note=True,
          effect="summon"),
        t("report_in", "报到", ["dispatched", "handling"], "", {Role.DEPT_HANDLER}, by_assignee=True, needs_note=True),
    ),
))

URBAN_OPEN = ("collected", "verifying", "registered", "dispatched", "handling", "on_hold", "fed_back")
URBAN = register_workflow(Workflow(
    code="urban",
    name="数字城管",
    initial="collected",
    states={
        "collected": "信息收集", "verifying": "核实中", "registered": "已立案", "dispatched": "已派遣",
        "handling": "处置中", "on_hold": "挂账", "extension_requested": "延期待批", "fed_back": "处置反馈",
        "closed": "核查结案", "evaluated": "已评价", "cancelled": "已作废",
    },
    final=frozenset({"evaluated", "cancelled"}),
    paused=frozenset({"on_hold"}),
    transitions=(
        t("send_verify", "核实", ["collected"], "verifying", CENTRE | {Role.STREET_DISPATCHER}),
        t("verified", "核实属实", ["verifying"], "collected", {Role.GRID_WORKER}, needs_note=True),
        t("register", "立案", ["collected"], "registered", CHIEF),
        t("cancel", "作废", ["collected", "verifying", "registered"], "cancelled", CHIEF, needs_note=True,
          clock=Clock.STOP),
        t("dispatch", "派遣", ["registered"], "dispatched", DISPATCHERS | {Role.CENTER_SUPERVISOR}, effect="dispatch"),
        t("accept", "签收", ["dispatched"], "handling", HANDLERS),
        t("return", "回退", ["dispatched", "handling"], "registered", HANDLERS, needs_note=True, effect="undispatch"),
        t("request_extension", "申请延期", ["handling"], "extension_requested", HANDLERS, needs_note=True),
        t("approve_extension", "批准延期", ["extension_requested"], "handling", CHIEF, effect="extend"),
        t("reject_extension", "驳回延期", ["extension_requested"], "handling", CHIEF, needs_note=True),
        t("hold", "挂账", ["handling"], "on_hold", CHIEF, needs_note=True, clock=Clock.PAUSE),
        t("unhold", "挂账恢复", ["on_hold"], "handling", CHIEF, clock=Clock.RESUME),
        t("feed_back", "处置反馈", ["handling"], "fed_back", HANDLERS, needs_note=True, milestone="handled"),
        t("check_pass", "核查结案", ["fed_back"], "closed", CHIEF | {Role.GRID_WORKER}, clock=Clock.STOP,
          milestone="closed"),
        t("check_fail", "核查不通过（返工）", ["fed_back"], "handling", CHIEF | {Role.GRID_WORKER}, needs_note=True,
          effect="rework"),
        t("evaluate", "综合评价", ["closed"], "evaluated", CENTRE),
        t("supervise", "督办", URBAN_OPEN, "", CENTRE, needs_note=True),
    ),
))
