from typing import Any

from django import forms
from django.contrib import admin

from gongzhi.areas.geo import parse_boundary
from gongzhi.areas.models import PATH_LENGTH, Area, GridLayer, Level
from gongzhi.areas.services import renew_layer_version, set_boundary_fields
from gongzhi.core.admin_audit import AuditedAdmin

CODE_LENGTH = {Level.GRID: 15, Level.MICRO_GRID: 18}


class AreaForm(forms.ModelForm):
    class Meta:
        model = Area
        fields = ["code", "name", "level", "parent", "layer", "boundary", "is_active"]

    def clean_boundary(self) -> Any:
        value = self.cleaned_data.get("boundary")
        if value:
            try:
                parse_boundary(value)
            except ValueError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        code, level, parent = data.get("code") or "", data.get("level"), data.get("parent")
        if level is None:
            return data
        level = Level(level)
        want = CODE_LENGTH.get(level, 12)
        if not code.isdigit() or len(code) != want:
            self.add_error("code", f"{level.label}的代码应为{want}位数字")
        elif parent is not None and not code.startswith(parent.path):
            self.add_error("code", f"代码应以上级 {parent.name} 的路径 {parent.path} 开头")
        elif level == Level.CITY and parent is not None:
            self.add_error("parent", "市没有上级区域")
        elif level != Level.CITY and (parent is None or parent.level >= level):
            self.add_error("parent", "上级区域应比本区域高一级或以上")
        return data


@admin.register(GridLayer)
class GridLayerAdmin(AuditedAdmin):
    access_resource = "area"
    list_display = ("name", "code", "is_authoritative")


@admin.register(Area)
class AreaAdmin(AuditedAdmin):
    access_resource = "area"
    form = AreaForm
    list_display = ("name", "code", "level", "layer", "boundary_generated", "is_active")
    list_filter = ("level", "layer", "is_active")
    search_fields = ("name", "code")
    raw_id_fields = ("parent",)

    def save_model(self, request, obj, form, change):
        level = Level(obj.level)
        obj.path = obj.code if level in CODE_LENGTH else obj.code[: PATH_LENGTH[level]]
        if obj.boundary:
            set_boundary_fields(obj, obj.boundary)
        super().save_model(request, obj, form, change)
        renew_layer_version(obj.layer_id)
