from django.urls import URLPattern, path

from gongzhi.areas import views

urlpatterns: list[URLPattern] = [
    path("<str:path>/", views.area_detail, name="area-detail"),
]
