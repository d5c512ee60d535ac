from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "gongzhi.core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from gongzhi.core import checks  # noqa: F401 (registers the deployment checks)
