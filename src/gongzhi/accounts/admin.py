from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from gongzhi.accounts.models import ApiToken, Post, Unit, User
from gongzhi.core.admin_audit import AuditedAdmin, PostGatedInline


class PostInline(PostGatedInline):
    access_resource = "post"
    model = Post
    extra = 0
    raw_id_fields = ("area", "unit")


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    list_display = ("username", "full_name", "is_active", "is_staff")
    search_fields = ("username", "full_name")
    # No superuser flag, groups or Django permissions: what a user may do comes from their posts
    # alone (core.access), and posts are the security administrator's to give (三员分立).
    fieldsets = (
        (None, {"fields": ("username", "password", "full_name", "email")}),
        ("状态", {"fields": ("is_active", "is_staff", "must_change_password", "last_login", "date_joined")}),
    )
    readonly_fields = ("last_login", "date_joined")
    list_filter = ("is_active", "is_staff")
    inlines = [PostInline]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.must_change_password = True  # the administrator chose it: the user changes it first
        super().save_model(request, obj, form, change)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302 and str(request.user.pk) != str(id):
            User.objects.filter(pk=id).update(must_change_password=True)
        return response


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    access_resource = "unit"
    list_display = ("name", "kind", "area", "parent", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "code")
    raw_id_fields = ("area", "parent")


@admin.register(Post)
class PostAdmin(AuditedAdmin):
    access_resource = "post"
    list_display = ("user", "role", "unit", "area", "is_active")
    list_filter = ("role", "is_active")
    raw_id_fields = ("user", "area", "unit")


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    """Keys are created with `gongzhi tokens create`; here they can be listed and switched off."""

    access_resource = "security"

    list_display = ("name", "user", "prefix", "is_active", "created_at", "last_used_at")
    fields = ("name", "user", "prefix", "is_active", "last_used_at")
    readonly_fields = ("user", "prefix", "last_used_at")

    def has_add_permission(self, request):
        return False
