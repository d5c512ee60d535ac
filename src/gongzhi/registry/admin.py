"""Admin for the registry: key-group types are configuration (edited here, checked by
tags.check_tag_fields); people, houses, households and organisations are read-mostly and
scoped like every other read — an administrator's post alone shows no one (三员分立)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from gongzhi.core.admin_audit import AuditedAdmin, ScopedAdmin
from gongzhi.registry.models import (
    Building,
    House,
    Household,
    Organisation,
    Person,
    PersonTag,
    TagType,
)
from gongzhi.registry.tags import TagValueError, check_tag_fields


@admin.register(Building)
class BuildingAdmin(ScopedAdmin):
    access_resource = "building"
    list_display = ("name", "address", "grid", "floors")
    search_fields = ("name", "address")
    raw_id_fields = ("grid",)


class TagTypeForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = TagType
        fields = ("code", "name", "fields", "sensitive", "is_active", "order")

    def clean_fields(self) -> Any:
        try:
            return check_tag_fields(self.cleaned_data.get("fields"))
        except TagValueError as exc:
            raise forms.ValidationError(str(exc)) from None


@admin.register(TagType)
class TagTypeAdmin(AuditedAdmin):
    form = TagTypeForm
    list_display = ("name", "code", "sensitive", "is_active", "order")
    list_editable = ("is_active", "order")
    search_fields = ("name", "code")


class ScopedReadOnlyAdmin(ScopedAdmin):
    """Registry rows in the admin: only those the staff user's posts may view, never edited
    here (the services keep hashes, residences and the audit right), masked values only."""

    access_resource = "registry"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PersonTagInline(admin.TabularInline):  # type: ignore[type-arg]
    model = PersonTag
    fields = ("tag_type", "since")
    readonly_fields = ("tag_type", "since")
    extra = 0
    can_delete = False


@admin.register(Person)
class PersonAdmin(ScopedReadOnlyAdmin):
    list_display = ("name", "masked_id", "masked_phone", "gender", "residency", "area_path", "left_at")
    list_filter = ("residency", "gender")
    search_fields = ("name",)
    fields = ("name", "masked_id", "masked_phone", "gender", "birth_date", "ethnicity", "residency",
              "registered_address", "household", "relation", "left_at", "purpose", "area_path")
    readonly_fields = fields
    inlines = (PersonTagInline,)

    @admin.display(description="身份证号")
    def masked_id(self, obj: Person) -> str:
        return str(obj.id_number or "")

    @admin.display(description="联系电话")
    def masked_phone(self, obj: Person) -> str:
        return str(obj.phone or "")


@admin.register(House)
class HouseAdmin(ScopedReadOnlyAdmin):
    list_display = ("__str__", "use", "floor", "area_path")
    list_filter = ("use",)
    search_fields = ("building__name", "room")


@admin.register(Household)
class HouseholdAdmin(ScopedReadOnlyAdmin):
    list_display = ("__str__", "kind", "head", "area_path")


@admin.register(Organisation)
class OrganisationAdmin(ScopedReadOnlyAdmin):
    list_display = ("name", "kind", "credit_code", "masked_phone", "area_path")
    search_fields = ("name", "credit_code")
    exclude = ("contact_phone",)
    readonly_fields = ("masked_phone",)

    @admin.display(description="联系电话")
    def masked_phone(self, obj: Organisation) -> str:
        return str(obj.contact_phone or "")
