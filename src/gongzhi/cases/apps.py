from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "gongzhi.cases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from gongzhi.cases import workflows  # noqa: F401  (registers the shipped workflows)
        from gongzhi.core import access

        # Staff see the cases in their area; residents see their own (by reporter, not by area).
        access.register("case", {role: [access.VIEW] for role in access.STAFF_ROLES})
