from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from gongzhi.accounts.selectors import posts_at
from gongzhi.areas import selectors
from gongzhi.areas.models import Level
from gongzhi.core import access
from gongzhi.core.access import Role
from gongzhi.registry.selectors import buildings_in

MAX_BUILDINGS_ON_PAGE = 500


@login_required
def area_detail(request: HttpRequest, path: str) -> HttpResponse:
    user = request.user
    area = selectors.access_area(user, path)
    in_scope = access.can(user, access.VIEW, "area", area.path, context=False)
    kids = selectors.children(user, area)
    crumbs = [(a, access.can(user, access.VIEW, "area", a.path)) for a in selectors.breadcrumb(area)]
    features = [selectors.feature(area, url="")] if area.boundary else []
    features += [
        selectors.feature(k.area, can_open=k.can_open, url=reverse("area-detail", args=[k.area.path]) if k.can_open else "")
        for k in kids if k.area.boundary
    ]
    context = {
        "area": area, "crumbs": crumbs, "children": kids, "in_scope": in_scope,
        "map_data": {"type": "FeatureCollection", "features": features},
        "tiles_url": settings.GONGZHI_MAP_TILES_URL, "tiles_attribution": settings.GONGZHI_MAP_TILES_ATTRIBUTION,
        "child_level": Level(area.level + 1).label if area.level < Level.MICRO_GRID else "",
    }
    if in_scope:
        context["stats"] = selectors.stats(area)
        context["staff"] = list(posts_at(user, area.path))
        context["can_reveal"] = access.can(user, access.REVEAL, "personal_data", area.path)
        context["grid_workers_role"] = Role.GRID_WORKER
        if area.level >= Level.COMMUNITY:
            buildings = list(buildings_in(user, area.path)[:MAX_BUILDINGS_ON_PAGE])
            context["buildings"] = buildings
            context["map_points"] = [{"name": b.name, "address": b.address, "lon": b.lon, "lat": b.lat} for b in buildings]
    return render(request, "areas/detail.html", context)
