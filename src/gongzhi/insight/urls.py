from django.urls import URLPattern, path

from gongzhi.insight import views

urlpatterns: list[URLPattern] = [
    path("suggest/", views.suggest, name="insight-suggest"),
    path("models/", views.models_page, name="insight-models"),
    path("models/retrain/", views.retrain, name="insight-retrain"),
    path("models/<int:pk>/activate/", views.activate, name="insight-activate"),
    path("hotspots/", views.hotspots_page, name="insight-hotspots"),
    path("hotspots/alerts/<int:pk>/handled/", views.alert_handled, name="insight-alert-handled"),
]
