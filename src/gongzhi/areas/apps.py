from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "gongzhi.areas"
    default_auto_field = "django.db.models.BigAutoField"
