from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.cases.attachments import photo_problem
from gongzhi.cases.models import Category, LimitUnit, Satisfaction
from gongzhi.cases.services import KINDS


def leaf_categories() -> forms.ModelChoiceField:  # type: ignore[type-arg]
    return forms.ModelChoiceField(
        queryset=Category.objects.filter(is_active=True, children__isnull=True).select_related("parent")
        .order_by("parent__code", "code"),
        required=False, label=_("类别"),
    )


class PhotoField(forms.FileField):
    """A photo, checked by its bytes (JPEG, PNG or WebP, at most 10 MB) when the form is: a
    refused photo stops the whole submission before anything is stored."""

    def clean(self, data: Any, initial: Any = None) -> Any:
        upload = super().clean(data, initial)
        if upload and (problem := photo_problem(upload)):
            raise forms.ValidationError(problem, code="photo")
        return upload


class HotlineForm(forms.Form):
    reporter_name = forms.CharField(label=_("来电人"), max_length=50, required=False)
    reporter_phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    kind = forms.ChoiceField(label=_("诉求类型"), choices=[(k, k) for k in KINDS if k and k not in ("事件", "部件")])
    category = leaf_categories()
    area = forms.ChoiceField(label=_("所属区域"), required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    title = forms.CharField(label=_("诉求标题"), max_length=200)
    description = forms.CharField(label=_("诉求内容"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    client_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, areas: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", "—"), *areas]  # type: ignore[attr-defined]


class GridReportForm(forms.Form):
    category = leaf_categories()
    title = forms.CharField(label=_("一句话描述"), max_length=200)
    photo = PhotoField(label=_("现场照片"), required=False)
    lon = forms.FloatField(widget=forms.HiddenInput, required=False)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False)
    datum = forms.ChoiceField(widget=forms.HiddenInput, choices=[("wgs84", "wgs84"), ("gcj02", "gcj02")],
                              initial="wgs84", required=False)
    client_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)


class ActionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    units = forms.CharField(required=False)  # comma-separated unit ids, lead first
    category = forms.ModelChoiceField(queryset=Category.objects.filter(is_active=True, children__isnull=True),
                                      required=False, label=_("类别"))  # confirmed or corrected at dispatch
    extend_amount = forms.FloatField(required=False, min_value=0.5, label=_("延长"))
    extend_unit = forms.ChoiceField(required=False, choices=LimitUnit.choices, label=_("单位"))
    contacted = forms.BooleanField(required=False, label=_("已联系"))
    solved = forms.BooleanField(required=False, label=_("已解决"))
    satisfaction = forms.ChoiceField(required=False, choices=Satisfaction.choices, label=_("满意度"))
    photo = PhotoField(required=False, label=_("照片"))


class ResidentReportForm(forms.Form):
    title = forms.CharField(label=_("反映的问题（一句话）"), max_length=200)
    description = forms.CharField(label=_("详细情况"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000,
                                  required=False)
    category = leaf_categories()
    reporter_phone = forms.CharField(label=_("联系电话（用于回访和查询）"), max_length=30)
    reporter_name = forms.CharField(label=_("称呼（可不填）"), max_length=50, required=False)
    street = forms.ChoiceField(label=_("所在街道/镇（无法定位时必选）"), required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    photo = PhotoField(label=_("照片（可不传）"), required=False)
    lon = forms.FloatField(widget=forms.HiddenInput, required=False)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False)
    datum = forms.CharField(widget=forms.HiddenInput, required=False, initial="wgs84")
    client_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, streets: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["street"].choices = [("", "—"), *streets]  # type: ignore[attr-defined]
