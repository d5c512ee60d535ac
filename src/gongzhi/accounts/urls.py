from django.urls import URLPattern, path

from gongzhi.accounts import views
from gongzhi.accounts.auth import PasswordChangeView

urlpatterns: list[URLPattern] = [
    path("posts/<int:post_id>/reveal-phone/", views.reveal_phone, name="post-reveal-phone"),
    path("password/", PasswordChangeView.as_view(), name="password-change"),
]
