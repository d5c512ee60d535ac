from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "gongzhi.accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from gongzhi.accounts import signals  # noqa: F401  (connects the receivers)
