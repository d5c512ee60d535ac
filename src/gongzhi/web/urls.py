from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path

from gongzhi.accounts.auth import LoginForm
from gongzhi.cases.public import report, track
from gongzhi.web import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("areas/", include("gongzhi.areas.urls")),
    path("accounts/", include("gongzhi.accounts.urls")),
    path("audit/", include("gongzhi.core.urls")),
    path("cases/", include("gongzhi.cases.urls")),
    path("registry/", include("gongzhi.registry.urls")),
    path("insight/", include("gongzhi.insight.urls")),
    path("track/", track, name="case-track"),
    path("track/report/", report, name="case-resident-report"),
]
