"""`gongzhi tokens create USERNAME --name NAME`: a key for an integration (shown once)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.accounts.models import User
from gongzhi.accounts.tokens import create_token


class Command(BaseCommand):
    help = "API keys for integrations (the JSON API and Open311 POST)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("username")
        create.add_argument("--name", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"没有启用的用户 {options['username']} (no such active user)")
        _token, key = create_token(user, options["name"])
        self.stdout.write(key)
