"""智能派单: the category the model proposes for a case's text, the unit the 派单目录 gives that
category in the case's area, and the record of what the dispatcher did with the proposal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from gongzhi.accounts.models import Unit
from gongzhi.cases.catalog import handling_unit
from gongzhi.cases.models import Case, Category
from gongzhi.insight import store
from gongzhi.insight.models import Proposal
from gongzhi.insight.text import clean


@dataclass
class Suggestion:
    category: Category | None
    unit: Unit | None
    confidence: float
    shown: bool  # False: below the model's threshold — manual triage, no guess shown
    model_id: int | None
    alternatives: list[tuple[Category, float]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "shown": self.shown, "confidence": round(self.confidence, 4), "model": self.model_id,
            "category": {"id": self.category.pk, "code": self.category.code, "name": self.category.name}
            if self.category and self.shown else None,
            "unit": {"id": self.unit.pk, "name": self.unit.name} if self.unit and self.shown else None,
            "alternatives": [{"id": c.pk, "code": c.code, "name": c.name, "confidence": round(p, 4)}
                             for c, p in self.alternatives] if self.shown else [],
        }


def suggest(title: str, description: str, area_path: str) -> Suggestion:
    """The active model's proposal for this text (nothing shown without a model or when unsure)."""
    model_id, model = store.active(store.INTAKE_MODEL)
    if model is None:
        return Suggestion(None, None, 0.0, False, None, [])
    ranked = model.predict([(clean(title), clean(description))], k=3)[0].ranked
    by_code = Category.objects.in_bulk([c for c, _p in ranked], field_name="code")
    alternatives = [(by_code[c], p) for c, p in ranked if c in by_code and by_code[c].is_active]
    if not alternatives:
        return Suggestion(None, None, 0.0, False, model_id, [])
    best, confidence = alternatives[0]
    shown = confidence >= model.threshold
    return Suggestion(best, handling_unit(best, area_path) if shown else None, confidence, shown, model_id, alternatives)


def record_proposal(case: Case, actor: Any = None) -> Proposal | None:
    """At intake: what the model proposes for this case. A category chosen at intake (the
    hotline operator's) counts as the dispatcher's answer."""
    s = suggest(case.title, case.description, case.area_path)
    if s.model_id is None:
        return None
    proposal = Proposal(case=case, model_id=s.model_id, category=s.category, unit=s.unit,
                        confidence=s.confidence, shown=s.shown)
    if case.category_id is not None:
        _decide(proposal, case.category, actor)
    proposal.save()
    return proposal


def record_decision(case: Case, actor: Any = None) -> None:
    """At dispatch: the category the dispatcher sent the case on with."""
    proposal = Proposal.objects.filter(case=case).first()
    if proposal is not None and case.category is not None:
        _decide(proposal, case.category, actor)
        proposal.save()


def _decide(proposal: Proposal, category: Category | None, actor: Any) -> None:
    proposal.chosen_category = category
    proposal.accepted = category is not None and proposal.shown and proposal.category_id == category.pk
    proposal.decided_by = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    proposal.decided_at = timezone.now()
