import logging
import time
from typing import Any

from django.apps import AppConfig

log = logging.getLogger(__name__)
RETENTION_EVERY = 24 * 3600.0  # seconds between retention runs in one process
_last_retention = [float("-inf")]


class RegistryConfig(AppConfig):
    name = "gongzhi.registry"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from gongzhi.cases import signals

        signals.swept.connect(_retention_now_and_then, dispatch_uid="registry-retention")


def _retention_now_and_then(sender: Any, **kwargs: Any) -> None:
    """The scheduled retention task: on the background sweep, at most once a day per process
    (a second process finds nothing left to do: the run only touches rows still identifiable)."""
    if time.monotonic() - _last_retention[0] < RETENTION_EVERY:
        return
    _last_retention[0] = time.monotonic()
    from gongzhi.registry.rights import run_retention

    report = run_retention(kwargs.get("now"))
    if report.people or report.case_reporters:
        log.info("retention: anonymised %d people, %d case reporters", report.people, report.case_reporters)
