from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongzhi.accounts.models import ApiToken, User
from gongzhi.accounts.tokens import create_token, user_for_key
from gongzhi.core.access import Role

pytestmark = pytest.mark.django_db


def test_use_is_noted_at_most_once_a_minute(role_users: dict[str, User]) -> None:
    user = role_users[Role.STREET_DISPATCHER]
    token, key = create_token(user, "hotline-system")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert user_for_key(key) == user
        first = ApiToken.objects.get(pk=token.pk).last_used_at
        assert first == start
        with CaptureQueriesContext(connection) as queries:
            assert user_for_key(key) == user
        assert not [q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert user_for_key(key) == user
        assert ApiToken.objects.get(pk=token.pk).last_used_at == start + timedelta(seconds=61)
    assert user_for_key("gz_" + key[3:-2] + "xx") is None
