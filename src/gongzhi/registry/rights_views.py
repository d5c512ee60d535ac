"""Pages for a person's rights over their data: a copy for them, a correction, deletion after
leaving (registry.rights holds the rules)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongzhi.core import access
from gongzhi.registry import selectors
from gongzhi.registry.models import Relation, ResidencyKind
from gongzhi.registry.rights import anonymise_by_request, do_correct, person_copy
from gongzhi.registry.services import RegistryInputError, RevealRefusedError
from gongzhi.registry.views import refused


class CorrectForm(forms.Form):
    """Only what changes is typed: an empty ID number or phone box keeps the one on file."""

    name = forms.CharField(max_length=60, label=gettext_lazy("姓名"))
    id_number = forms.CharField(required=False, max_length=30, label=gettext_lazy("身份证号"),
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))
    phone = forms.CharField(required=False, max_length=30, label=gettext_lazy("手机号"),
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}))
    ethnicity = forms.CharField(required=False, max_length=20, label=gettext_lazy("民族"))
    registered_address = forms.CharField(required=False, max_length=200, label=gettext_lazy("户籍地址"))
    residency = forms.ChoiceField(choices=ResidencyKind.choices, label=gettext_lazy("人口类型"))
    relation = forms.ChoiceField(required=False, choices=[("", "—"), *Relation.choices], label=gettext_lazy("与户主关系"))
    reason = forms.CharField(max_length=200, label=gettext_lazy("更正依据（本人申请、证件核对等，记入审计日志）"))


@require_POST
@login_required
def copy(request: HttpRequest, pk: int) -> HttpResponse | FileResponse:
    person = selectors.access_person(request.user, pk)
    try:
        result = person_copy(request.user, person, request.POST.get("reason", ""))
    except PermissionDenied:
        return refused(request, _("导出个人信息副本须具有查看此人完整信息的权限。"), 403)
    except (RevealRefusedError, RegistryInputError) as exc:
        return refused(request, str(exc))
    response = FileResponse(result.file, as_attachment=True, filename=result.filename,
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Cache-Control"] = "no-store"
    return response


@login_required
def correct(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.access_person(request.user, pk)
    access.check(request.user, access.CHANGE, "registry", person.area_path)
    initial = {"name": person.name, "ethnicity": person.ethnicity, "registered_address": person.registered_address,
               "residency": person.residency, "relation": person.relation}
    form = CorrectForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {k: v for k, v in data.items() if k != "reason" and not (k in ("id_number", "phone") and not v)}
        try:
            changed = do_correct(request.user, person, changes, data["reason"])
        except (RegistryInputError, RevealRefusedError) as exc:
            field = getattr(exc, "field", "reason")
            form.add_error(field if field in form.fields else None, str(exc).split(": ", 1)[-1])
            status = 400
        else:
            labels = [str(form.fields[f].label) for f in changed]
            messages.success(request, _("已更正：%(f)s") % {"f": "、".join(labels)} if changed else _("没有改动。"))
            return redirect("registry-person", pk=person.pk)
    elif request.method == "POST":
        status = 400
    for name in ("id_number", "phone"):
        value = getattr(person, name)
        form.fields[name].widget.attrs["placeholder"] = _("已登记 %(v)s，留空则不变") % {"v": value.masked} if value else ""
    return render(request, "registry/correct.html", {"person": person, "form": form}, status=status)


@require_POST
@login_required
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.access_person(request.user, pk)
    access.check(request.user, access.CHANGE, "registry", person.area_path)
    try:
        anonymise_by_request(request.user, person, request.POST.get("reason", ""))
    except (RegistryInputError, RevealRefusedError) as exc:
        return refused(request, str(exc))
    messages.success(request, _("已匿名化：关联案件保留，个人信息已删除。"))
    return redirect("registry-person", pk=person.pk)
