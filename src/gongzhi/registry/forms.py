"""Forms of the registry pages: list filters (shared by lists, exports and their links) and the
phone page's member form. They parse; the rules live in services.check_person and tags."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.core.paths import PATH_LENGTHS
from gongzhi.registry.models import (
    Gender,
    HouseUse,
    OrgKind,
    Person,
    Relation,
    ResidencyKind,
    TagType,
)
from gongzhi.registry.selectors import PeopleFilter
from gongzhi.registry.services import TagInput
from gongzhi.registry.tags import decode_values


def _blank(choices: Any) -> list[tuple[str, Any]]:
    return [("", _("全部")), *choices.choices]


class AreaField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, max_length=18, label=_("区域"), **kwargs)

    def clean(self, value: Any) -> str:
        value = super().clean(value).strip()
        if value and (not value.isdigit() or len(value) not in PATH_LENGTHS):
            raise forms.ValidationError(_("区域路径应为 4–18 位数字（如 430104002014001），实为「%(v)s」") % {"v": value})
        return str(value)


class ListForm(forms.Form):
    """The filters every registry list has: where, and free text."""

    area = AreaField(widget=forms.HiddenInput)
    q = forms.CharField(required=False, max_length=60, label=_("搜索"))

    def error_text(self) -> str:
        return "；".join(f"{name}: {' '.join(str(m) for m in errs)}" for name, errs in self.errors.items())


class PeopleFilterForm(ListForm):
    q = forms.CharField(required=False, max_length=60, label=_("姓名 / 身份证号 / 手机号"))
    address = forms.CharField(required=False, max_length=60, label=_("地址"))
    tag = forms.ChoiceField(required=False, label=_("重点人群"))
    residency = forms.ChoiceField(required=False, choices=_blank(ResidencyKind), label=_("人口类型"))
    gender = forms.ChoiceField(required=False, choices=_blank(Gender), label=_("性别"))
    age_min = forms.IntegerField(required=False, min_value=0, max_value=150, label=_("年龄从"))
    age_max = forms.IntegerField(required=False, min_value=0, max_value=150, label=_("年龄到"))
    include_left = forms.BooleanField(required=False, label=_("含已迁出"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tag"].choices = [("", _("全部")), *TagType.objects.filter(is_active=True).values_list("code", "name")]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lo, hi = data.get("age_min"), data.get("age_max")
        if lo is not None and hi is not None and lo > hi:
            self.add_error("age_max", _("年龄上限不能小于下限"))
        return data

    def people_filter(self) -> PeopleFilter:
        d = self.cleaned_data
        return PeopleFilter(q=d["q"], tag=d["tag"], residency=d["residency"], gender=d["gender"],
                            age_min=d["age_min"], age_max=d["age_max"], address=d["address"],
                            include_left=d["include_left"])


class BuildingFilterForm(ListForm):
    q = forms.CharField(required=False, max_length=60, label=_("楼栋名称 / 地址"))


class HouseFilterForm(ListForm):
    q = forms.CharField(required=False, max_length=60, label=_("楼栋 / 地址 / 房号"))
    use = forms.ChoiceField(required=False, choices=_blank(HouseUse), label=_("房屋用途"))


class OrganisationFilterForm(ListForm):
    q = forms.CharField(required=False, max_length=60, label=_("名称 / 地址"))
    kind = forms.ChoiceField(required=False, choices=_blank(OrgKind), label=_("类型"))


class VisitSearchForm(forms.Form):
    building = forms.CharField(required=False, max_length=60, label=_("楼栋"))
    room = forms.CharField(required=False, max_length=20, label=_("房号"))


class MemberForm(forms.Form):
    """One household member after a visit, with a box per key group and that group's fields.

    Every field is free text here: services.check_person and tags.check_tag_values apply the
    rules, so the page, the API and the import refuse the same things with the same words."""

    name = forms.CharField(max_length=60, label=_("姓名"))
    id_number = forms.CharField(required=False, max_length=30, label=_("身份证号"),
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}))
    phone = forms.CharField(required=False, max_length=30, label=_("手机号"),
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}))
    relation = forms.ChoiceField(required=False, choices=[("", "—"), *Relation.choices], label=_("与户主关系"))
    residency = forms.ChoiceField(choices=ResidencyKind.choices, label=_("人口类型"), initial=ResidencyKind.REGISTERED)

    def __init__(self, *args: Any, tag_types: list[TagType], person: Person | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tag_types = tag_types
        self.person = person
        on_file = {t.tag_type_id: t for t in person.tags.all()} if person else {}
        if person is not None:
            # The protected values are never put back into the page: an empty box keeps them.
            for name in ("id_number", "phone"):
                value = getattr(person, name)
                self.fields[name].widget.attrs["placeholder"] = (
                    str(_("已登记 %(v)s，留空则不变")) % {"v": value.masked} if value else "")
        self.tag_groups: list[dict[str, Any]] = []
        for t in tag_types:
            box = f"tag_{t.code}"
            self.fields[box] = forms.BooleanField(required=False, label=t.name, initial=t.pk in on_file)
            names = []
            for f in t.fields:
                name = f"{box}__{f['name']}"
                kind = f.get("type", "text")
                if kind == "choice":
                    field: forms.Field = forms.ChoiceField(required=False, label=f["label"],
                                                           choices=[("", "—"), *[(c, c) for c in f["choices"]]])
                elif kind == "bool":
                    field = forms.ChoiceField(required=False, label=f["label"], choices=[("", "—"), ("是", _("是")), ("否", _("否"))])
                else:
                    attrs = {"type": "date"} if kind == "date" else {"inputmode": "numeric"} if kind == "int" else {}
                    field = forms.CharField(required=False, max_length=200, label=f["label"],
                                            widget=forms.TextInput(attrs=attrs))
                self.fields[name] = field
                names.append(name)
            self.tag_groups.append({"type": t, "box": box, "fields": names, "on_file": t.pk in on_file})
        if person is not None and not self.is_bound:
            self.initial.update({"name": person.name, "relation": person.relation, "residency": person.residency})
            for t in tag_types:
                tag = on_file.get(t.pk)
                if tag is not None and not t.sensitive:
                    self.initial.update({f"tag_{t.code}__{k}": v for k, v in decode_values(tag.values).items()})

    def group_fields(self) -> list[dict[str, Any]]:
        """The key groups with their bound fields, for the template."""
        return [{**g, "box": self[g["box"]], "fields": [self[n] for n in g["fields"]]} for g in self.tag_groups]

    def tag_inputs(self) -> list[TagInput]:
        d = self.cleaned_data
        return [TagInput(t, bool(d.get(f"tag_{t.code}")),
                         {f["name"]: d.get(f"tag_{t.code}__{f['name']}", "") for f in t.fields})
                for t in self.tag_types]


class RevealForm(forms.Form):
    field = forms.CharField(max_length=60)
    reason = forms.CharField(required=False, max_length=200)


class LinkForm(forms.Form):
    kind = forms.ChoiceField(choices=[("person", _("人员")), ("house", _("房屋")), ("building", _("楼栋")),
                                      ("organisation", _("组织"))], label=_("类型"))
    q = forms.CharField(required=False, max_length=60, label=_("搜索"))
    pk = forms.IntegerField(required=False, min_value=1)
