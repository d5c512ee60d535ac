from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "gongzhi.cases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from gongzhi.cases import workflows  # noqa: F401  (registers the shipped workflows)
        from gongzhi.core import access

        # Staff see the cases in their area; a department sees what was dispatched to it
        # (cases.selectors.visible_cases); residents see their own, by number and phone.
        access.register("case", {role: [access.VIEW] for role in access.STAFF_ROLES - {access.Role.DEPT_HANDLER}})
