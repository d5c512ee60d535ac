from django.urls import URLPattern, path

from gongzhi.registry import import_views

urlpatterns: list[URLPattern] = [
    path("", import_views.upload, name="registry-import"),
    path("<int:pk>/", import_views.job_page, name="registry-import-job"),
    path("<int:pk>/mapping/", import_views.mapping, name="registry-import-mapping"),
    path("<int:pk>/run/", import_views.run, name="registry-import-run"),
    path("<int:pk>/cancel/", import_views.cancel, name="registry-import-cancel"),
    path("<int:pk>/progress/", import_views.progress, name="registry-import-progress"),
    path("<int:pk>/report.xlsx", import_views.report, name="registry-import-report"),
]
