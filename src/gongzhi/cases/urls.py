from django.urls import URLPattern, path

from gongzhi.cases import views

urlpatterns: list[URLPattern] = [
    path("", views.inbox, name="case-inbox"),
    path("supervision/", views.supervision, name="case-supervision"),
    path("new/", views.hotline_new, name="case-hotline-new"),
    path("rates/", views.rates, name="case-rates"),
    path("indicators/", views.indicators, name="case-indicators"),
    path("report/", views.grid_report, name="case-grid-report"),
    path("<str:number>/", views.detail, name="case-detail"),
    path("<str:number>/act/", views.act, name="case-act"),
    path("<str:number>/merge/", views.merge, name="case-merge"),
    path("<str:number>/files/<int:pk>/", views.attachment, name="case-attachment"),
]
