from django.urls import URLPattern, re_path

from gongzhi.cases import open311

FMT = r"\.(?P<fmt>\w+)$"
urlpatterns: list[URLPattern] = [
    re_path(r"^discovery" + FMT, open311.discovery, name="open311-discovery"),
    re_path(r"^services" + FMT, open311.services, name="open311-services"),
    re_path(r"^services/(?P<code>[\w-]+)" + FMT, open311.service_definition, name="open311-service"),
    re_path(r"^requests" + FMT, open311.requests_view, name="open311-requests"),
    re_path(r"^requests/(?P<request_id>[\w-]+)" + FMT, open311.one_request, name="open311-request"),
    re_path(r"^tokens/(?P<token_id>[\w-]+)" + FMT, open311.token, name="open311-token"),
]
