"""Workflows as data: states, transitions, who may take each, what each does to the clock.

The engine (cases.services.do_transition) knows nothing about any particular workflow; a new
kind of case (a dispute, a petition) registers a new :class:`Workflow` and reuses it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from django.utils.functional import Promise


class Clock(StrEnum):
    """What a transition does to the case's clock."""

    KEEP = "keep"
    PAUSE = "pause"  # 承诺办理, 挂账: time stops counting
    RESUME = "resume"
    STOP = "stop"  # 办结, 结案, 作废


@dataclass(frozen=True)
class Transition:
    action: str
    label: str | Promise  # translated lazily: the English UI shows English labels
    sources: frozenset[str]
    target: str  # "" keeps the current state (督办, 催办: a Step without a move)
    roles: frozenset[str]
    clock: Clock = Clock.KEEP
    needs_note: bool = False
    # What the engine does besides moving: "dispatch" (needs units), "extend" (moves the
    # deadline), "follow_up" (records a 回访), "rework" (counts against the handler).
    effect: str = ""
    # Only a post whose unit is assigned to the case may take it (签收, 办理, 回复, 反馈 …).
    by_assignee: bool = False
    # What the step means for the indicators: "handled" (处置/回复) or "closed" (结案/办结).
    milestone: str = ""


@dataclass(frozen=True)
class Workflow:
    code: str
    name: str | Promise
    initial: str
    states: dict[str, str | Promise]
    final: frozenset[str]
    transitions: tuple[Transition, ...]
    paused: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        names = set(self.states)
        if self.initial not in names or not self.final <= names or not self.paused <= names:
            raise ValueError(f"workflow {self.code}: initial/final/paused states must be declared")
        seen: set[str] = set()
        for t in self.transitions:
            if t.action in seen:
                raise ValueError(f"workflow {self.code}: action {t.action} declared twice")
            seen.add(t.action)
            unknown = (t.sources | ({t.target} if t.target else set())) - names
            if unknown:
                raise ValueError(f"workflow {self.code}: {t.action} uses unknown states {sorted(unknown)}")
            if t.sources & self.final:
                raise ValueError(f"workflow {self.code}: {t.action} leaves a final state")

    def transition(self, action: str) -> Transition:
        for t in self.transitions:
            if t.action == action:
                return t
        raise LookupError(f"workflow {self.code} has no action {action!r}")

    def available(self, state: str, roles: Iterable[str], assignee_roles: Iterable[str] = ()) -> list[Transition]:
        """Transitions from ``state`` open to ``roles``; ``by_assignee`` ones need a role held
        in a unit assigned to the case (``assignee_roles``)."""
        held, assigned = set(roles), set(assignee_roles)
        return [t for t in self.transitions
                if state in t.sources and t.roles & (assigned if t.by_assignee else held)]


_WORKFLOWS: dict[str, Workflow] = {}


def register_workflow(workflow: Workflow) -> Workflow:
    _WORKFLOWS[workflow.code] = workflow
    return workflow


def get_workflow(code: str) -> Workflow:
    try:
        return _WORKFLOWS[code]
    except KeyError:
        raise LookupError(f"no workflow {code!r}; known: {sorted(_WORKFLOWS)}") from None


def all_workflows() -> list[Workflow]:
    return list(_WORKFLOWS.values())


def actions_where(predicate: Callable[[Transition], bool]) -> dict[str, list[str]]:
    """Per workflow, the actions whose transition satisfies ``predicate``."""
    return {wf.code: [t.action for t in wf.transitions if predicate(t)] for wf in _WORKFLOWS.values()}
