from django.urls import URLPattern, path

from gongzhi.accounts import views

urlpatterns: list[URLPattern] = [
    path("posts/<int:post_id>/reveal-phone/", views.reveal_phone, name="post-reveal-phone"),
]
