from django.urls import URLPattern, path

from gongzhi.accounts import second_factor, views
from gongzhi.accounts.auth import PasswordChangeView

urlpatterns: list[URLPattern] = [
    path("posts/<int:post_id>/reveal-phone/", views.reveal_phone, name="post-reveal-phone"),
    path("password/", PasswordChangeView.as_view(), name="password-change"),
    path("2fa/setup/", second_factor.setup, name="2fa-setup"),
    path("2fa/verify/", second_factor.verify, name="2fa-verify"),
    path("security/", views.security_overview, name="security-overview"),
    path("security/locks/<int:throttle_id>/unlock/", views.unlock, name="security-unlock"),
]
