from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.models import Post
from gongzhi.accounts.selectors import posts_of
from gongzhi.areas import selectors as areas
from gongzhi.core import access
from gongzhi.core.access import Role
from gongzhi.registry.selectors import buildings_in, households_in, people_in

DUTIES: dict[str, Promise] = {
    Role.GRID_WORKER: _("巡查网格、上报问题、核查结果、掌握网格内的人、地、事、物、组织。"),
    Role.COMMUNITY_WORKER: _("统收网格上报的问题，能自办的自办，办不了的上报街镇。"),
    Role.STREET_DISPATCHER: _("受理社区上报和热线工单，派遣给职能部门，组织吹哨报到。"),
    Role.DEPT_HANDLER: _("签收派给本部门的案件，按时处置并反馈。"),
    Role.CENTER_SUPERVISOR: _("监督全区案件办理，核查结案，发起督办。"),
    Role.CENTER_DUTY_CHIEF: _("值班指挥：审批延期、退单和改派，处理升级的超期案件。"),
    Role.LEADER: _("查看辖区的运行态势、办理情况和考核排名。"),
    Role.SYS_ADMIN: _("配置区域、网格、单位、用户账号和派单目录；不授予岗位，不看审计日志和居民个人信息。"),
    Role.SECURITY_ADMIN: _("设定安全策略，授予和收回岗位，管理接口密钥，解除登录锁定，轮换加密密钥。"),
    Role.AUDIT_ADMIN: _("查阅、筛选和导出审计日志，校验哈希链；不能做其他任何操作。"),
    Role.DATA_READER: _("查阅授权区域的人口台账（脱敏显示）。"),
    Role.RESIDENT: _("反映问题、查询办理进度、评价办理结果。"),
}


@dataclass
class Card:
    post: Post
    duty: Promise
    stats: list[tuple[Promise, int]] = field(default_factory=list)
    links: list[tuple[Promise, str]] = field(default_factory=list)


def card_for(user: object, post: Post) -> Card:
    card = Card(post=post, duty=DUTIES[post.role])
    if post.role == Role.RESIDENT:
        card.links.append((_("查询诉求并评价"), reverse("case-track")))
        return card
    if post.role in access.ADMIN_ROLES:  # 三员: their own pages only, no area contents
        if post.role == Role.SYS_ADMIN:
            card.links.append((_("系统配置"), reverse("admin:index")))
        if post.role == Role.SECURITY_ADMIN:
            card.links += [(_("安全管理"), reverse("security-overview")), (_("授予或收回岗位"), reverse("admin:accounts_post_changelist"))]
        if post.role == Role.AUDIT_ADMIN:
            card.links.append((_("审计日志"), reverse("audit-list")))
        return card
    counts = areas.stats(post.area)
    card.stats = [(_("区/县"), counts["districts"]), (_("街道/镇"), counts["streets"]), (_("社区/村"), counts["communities"]),
                  (_("网格"), counts["grids"]),
                  (_("楼栋"), buildings_in(user, post.area_path).count())]
    in_registry = access.can(user, access.VIEW, "registry", post.area_path)
    if in_registry:
        card.stats += [(_("实有人口"), people_in(user, post.area_path).filter(left_at__isnull=True).count()),
                       (_("户"), households_in(user, post.area_path).count())]
    card.stats = [(label, n) for label, n in card.stats if n]
    card.links.append((_("打开区域地图"), reverse("area-detail", args=[post.area_path])))
    if in_registry:
        card.links.append((_("人口台账"), reverse("registry-area", args=[post.area_path])))
    if access.can(user, access.VIEW, "audit", post.area_path):
        card.links.append((_("审计日志"), reverse("audit-list")))
    return card


@login_required
def home(request: HttpRequest) -> HttpResponse:
    posts = list(posts_of(request.user))
    cards = [card_for(request.user, p) for p in posts]
    return render(request, "web/home.html", {"posts": posts, "cards": cards})
