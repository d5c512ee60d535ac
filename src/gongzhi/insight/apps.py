import logging
from typing import Any

from django.apps import AppConfig

log = logging.getLogger(__name__)


class InsightConfig(AppConfig):
    name = "gongzhi.insight"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from gongzhi.cases import signals
        from gongzhi.core import access
        from gongzhi.core.access import Role

        # The classifier is the whole deployment's: the centre's staff retrain and switch it.
        access.register("classifier", {
            Role.STREET_DISPATCHER: [access.VIEW], Role.LEADER: [access.VIEW],
            Role.CENTER_SUPERVISOR: [access.VIEW, access.CHANGE], Role.CENTER_DUTY_CHIEF: [access.VIEW, access.CHANGE],
        })
        access.register("hotspot", {
            **{r: [access.VIEW] for r in access.FRONTLINE_ROLES},
            Role.STREET_DISPATCHER: [access.VIEW, access.CHANGE], Role.CENTER_SUPERVISOR: [access.VIEW, access.CHANGE],
            Role.CENTER_DUTY_CHIEF: [access.VIEW, access.CHANGE],
        })
        signals.case_received.connect(_received, dispatch_uid="insight-proposal")
        signals.category_confirmed.connect(_confirmed, dispatch_uid="insight-decision")
        signals.transitioned.connect(_transitioned, dispatch_uid="insight-reply-check")
        signals.swept.connect(_swept, dispatch_uid="insight-hotspot-alerts")


def _received(sender: Any, case: Any, actor: Any = None, **kwargs: Any) -> None:
    from gongzhi.insight.routing import record_proposal

    try:
        record_proposal(case, actor)
    except Exception:  # the case is registered whatever the model does: no proposal, manual triage
        log.exception("no proposal for case %s", case.pk)


def _confirmed(sender: Any, case: Any, actor: Any = None, **kwargs: Any) -> None:
    from gongzhi.insight.routing import record_decision

    record_decision(case, actor)


def _transitioned(sender: Any, case: Any, step: Any, transition: Any, **kwargs: Any) -> None:
    if transition.milestone == "handled" and step.note:
        from gongzhi.insight.services import check_reply_step

        check_reply_step(case, step)


def _swept(sender: Any, **kwargs: Any) -> None:
    from gongzhi.insight.services import alerts_now_and_then

    alerts_now_and_then()
