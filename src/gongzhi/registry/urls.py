from django.urls import URLPattern, URLResolver, include, path

from gongzhi.registry import rights_views, views

urlpatterns: list[URLPattern | URLResolver] = [
    # 台账导入 (upload → column mapping → validation report → import); see import_views.py.
    path("import/", include("gongzhi.registry.import_urls")),
    path("area/<str:path>/", views.area_page, name="registry-area"),
    path("search/", views.people, name="registry-people"),
    path("houses/", views.houses, name="registry-houses"),
    path("organisations/", views.organisations, name="registry-organisations"),
    path("building/<int:pk>/", views.building, name="registry-building"),
    path("house/<int:pk>/", views.house, name="registry-house"),
    path("person/<int:pk>/", views.person, name="registry-person"),
    path("person/<int:pk>/reveal/", views.reveal, name="registry-reveal"),
    path("person/<int:pk>/copy/", rights_views.copy, name="registry-person-copy"),
    path("person/<int:pk>/correct/", rights_views.correct, name="registry-person-correct"),
    path("person/<int:pk>/delete/", rights_views.delete, name="registry-person-delete"),
    path("export/<str:kind>/", views.export, name="registry-export"),
    path("visit/", views.visit, name="registry-visit"),
    path("visit/house/<int:pk>/", views.visit_house, name="registry-visit-house"),
    path("visit/house/<int:pk>/moved-out/", views.visit_moved_out, name="registry-moved-out"),
    path("case/<str:number>/link/", views.case_link, name="registry-case-link"),
    path("stats/<str:path>/", views.stats, name="registry-stats"),
]
