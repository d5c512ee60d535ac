from django.contrib import admin

from gongzhi.areas.models import Area, GridLayer


@admin.register(GridLayer)
class GridLayerAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "is_authoritative", "revision")


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "level", "layer", "boundary_generated", "is_active")
    list_filter = ("level", "layer", "is_active")
    search_fields = ("name", "code")
    raw_id_fields = ("parent",)
    readonly_fields = ("path", "min_lon", "min_lat", "max_lon", "max_lat")
