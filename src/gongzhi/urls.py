from django.contrib import admin
from django.urls import include, path

from gongzhi.api import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("open311/v2/", include("gongzhi.cases.open311_urls")),
    path("", include("gongzhi.web.urls")),
]
