from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    # 台账导入 (upload → column mapping → validation report → import); see import_views.py.
    path("import/", include("gongzhi.registry.import_urls")),
]
