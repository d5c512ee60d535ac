"""`gongzhi users add USERNAME --role ROLE --area CODE [--unit CODE] [--name 姓名]`: the first
administrators of a new deployment (三员分立: the superuser flag opens nothing, so the system,
security and audit administrators are made here). Prints a one-time password that must be
changed at the first sign-in; audited."""

from __future__ import annotations

import secrets
import string
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from gongzhi.accounts.models import Post, Unit, User
from gongzhi.accounts.services import save_new_user
from gongzhi.areas.models import Area
from gongzhi.core import audit
from gongzhi.core.access import ADMIN_ROLES, Role

ALPHABET = string.ascii_letters + string.digits + "-_.!@#%"


def one_time_password(length: int = 16) -> str:
    while True:
        p = "".join(secrets.choice(ALPHABET) for _ in range(length))
        classes = [any(c.islower() for c in p), any(c.isupper() for c in p), any(c.isdigit() for c in p),
                   any(not c.isalnum() for c in p)]
        if all(classes):
            return p


class Command(BaseCommand):
    help = "User accounts: `add` makes a user holding one post and prints a one-time password."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add")
        add.add_argument("username")
        add.add_argument("--role", required=True, choices=Role.values)
        add.add_argument("--area", required=True, help="the area code (path) the post covers, e.g. 4301")
        add.add_argument("--unit", default="", help="the unit's code (optional)")
        add.add_argument("--name", default="", help="full name")

    @transaction.atomic
    def handle(self, *args: Any, **o: Any) -> None:
        if User.objects.filter(username=o["username"]).exists():
            raise CommandError(f"--username: 用户「{o['username']}」已存在 (already exists)", returncode=2)
        area = Area.objects.filter(path=o["area"]).first()
        if area is None:
            raise CommandError(f"--area: 没有代码为「{o['area']}」的区域 (no such area)", returncode=2)
        unit = None
        if o["unit"]:
            unit = Unit.objects.filter(code=o["unit"]).first()
            if unit is None:
                raise CommandError(f"--unit: 没有代码为「{o['unit']}」的单位 (no such unit)", returncode=2)
        password = one_time_password()
        user = User(username=o["username"], full_name=o["name"], must_change_password=True,
                    is_staff=o["role"] in (Role.SYS_ADMIN, Role.SECURITY_ADMIN))
        user.set_password(password)
        save_new_user(user)
        post = Post.objects.create(user=user, role=o["role"], area=area, unit=unit)
        audit.record("users.add", obj=post, data={"username": user.username, "role": o["role"],
                                                  "admin_post": o["role"] in ADMIN_ROLES, "via": "cli"})
        self.stdout.write(f"{user.username} {Role(o['role']).label} {area.name}")
        self.stdout.write(f"一次性密码（首次登录须修改）：{password}")
