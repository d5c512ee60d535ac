from django.urls import URLPattern, path

from gongzhi.core import views

urlpatterns: list[URLPattern] = [
    path("", views.audit_list, name="audit-list"),
]
