"""store: versions saved, one in use per name, switched without a restart, tampering refused."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from gongzhi.core.models import AuditEvent
from gongzhi.insight import store
from gongzhi.insight.models import ModelStatus, TextModel
from tests.insight.conftest import fitted, stored

pytestmark = pytest.mark.django_db
LIGHTS_TEXT = [("路灯坏了", "楼下的路灯晚上不亮")]
# A second model that knows only two classes: what it says tells the versions apart.
TWO_CLASSES = {"路灯": "灯", "噪音": "吵", "物业": "吵", "垃圾": "吵"}


def test_save_numbers_versions_per_name() -> None:
    a = stored(fitted())
    b = stored(fitted())
    c = stored(fitted(), name="other")
    assert [(m.name, m.version, m.status) for m in (a, b, c)] == [
        ("category", 1, "ready"), ("category", 2, "ready"), ("other", 1, "ready")]
    assert sorted(a.classes) == ["噪音", "垃圾", "物业", "路灯"]
    assert a.macro_f1 == 0.9
    assert len(a.digest) == 64
    assert store.next_version("category") == 3
    assert store.load(TextModel.objects.get(pk=a.pk)).labels(LIGHTS_TEXT) == ["路灯"]


def test_activate_keeps_exactly_one_active_per_name() -> None:
    rows = [stored(fitted()) for _ in range(3)]
    other = stored(fitted(), name="other", active=True)
    for row in [rows[0], rows[2], rows[1], rows[1]]:
        store.activate(row)
        assert list(TextModel.objects.filter(name="category", status="active").values_list("pk", flat=True)) == [row.pk]
    assert sorted(TextModel.objects.filter(name="category").values_list("status", flat=True)) == [
        "active", "retired", "retired"]
    assert TextModel.objects.get(pk=other.pk).status == "active"  # another name is not touched


def test_the_database_refuses_two_active_versions_of_one_name() -> None:
    stored(fitted(), active=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        TextModel.objects.create(name="category", version=9, recipe="baseline", status=ModelStatus.ACTIVE)
    TextModel.objects.create(name="other", version=9, recipe="baseline", status=ModelStatus.ACTIVE)
    with pytest.raises(IntegrityError), transaction.atomic():
        TextModel.objects.create(name="other", version=9, recipe="baseline")  # the same version twice


def test_activate_records_who_and_what_was_replaced() -> None:
    first = stored(fitted(), active=True)
    second = stored(fitted())
    store.activate(second)
    event = AuditEvent.objects.filter(action="insight.model_activated").order_by("-pk").first()
    assert event is not None
    assert event.data["version"] == second.version
    assert event.data["replaced"] == [first.version]


def test_an_unfinished_version_cannot_be_switched_on() -> None:
    row = TextModel.objects.create(name="category", version=1, recipe="ours", status=ModelStatus.TRAINING)
    with pytest.raises(ValueError, match="尚未训练完成"):
        store.activate(row)
    failed = TextModel.objects.create(name="category", version=2, recipe="ours", status=ModelStatus.FAILED,
                                      blob=b"x", digest="0" * 64)
    with pytest.raises(ValueError, match="尚未训练完成"):
        store.activate(failed)
    assert not TextModel.objects.filter(status="active").exists()


def test_active_is_none_without_a_model() -> None:
    assert store.active() == (None, None)
    stored(fitted())  # ready, not in use
    store.forget()
    assert store.active() == (None, None)


def test_a_switch_is_seen_without_a_restart(monkeypatch: pytest.MonkeyPatch) -> None:
    old = stored(fitted(), active=True)
    new = stored(fitted(TWO_CLASSES))
    pk, model = store.active()
    assert pk == old.pk
    assert model is not None
    assert model.labels(LIGHTS_TEXT) == ["路灯"]
    assert store.active()[1] is model  # kept in memory, not loaded again

    # Another process switches the version on: the same two updates store.activate makes there.
    TextModel.objects.filter(pk=old.pk).update(status=ModelStatus.RETIRED)
    TextModel.objects.filter(pk=new.pk).update(status=ModelStatus.ACTIVE)
    assert store.active()[0] == old.pk  # within RECHECK_SECONDS: the cached one

    monkeypatch.setattr(store, "RECHECK_SECONDS", 0.0)
    pk, model = store.active()
    assert pk == new.pk
    assert model is not None
    assert model.labels(LIGHTS_TEXT) == ["灯"]
    again = store.active()
    assert again[1] is model  # rechecked, the same version: not loaded again

    # And switched off altogether.
    TextModel.objects.filter(pk=new.pk).update(status=ModelStatus.RETIRED)
    assert store.active() == (None, None)


def test_activate_in_this_process_is_seen_at_once() -> None:
    old = stored(fitted(), active=True)
    assert store.active()[0] == old.pk
    new = store.activate(stored(fitted(TWO_CLASSES)))
    pk, model = store.active()
    assert pk == new.pk
    assert model is not None
    assert model.labels(LIGHTS_TEXT) == ["灯"]


def test_forget_drops_the_cached_model() -> None:
    old = stored(fitted(), active=True)
    new = stored(fitted(TWO_CLASSES))
    assert store.active()[0] == old.pk
    TextModel.objects.filter(pk=old.pk).update(status=ModelStatus.RETIRED)
    TextModel.objects.filter(pk=new.pk).update(status=ModelStatus.ACTIVE)
    store.forget("other")  # another name: this one still cached
    assert store.active()[0] == old.pk
    store.forget("category")
    assert store.active()[0] == new.pk


def test_a_tampered_blob_is_refused() -> None:
    row = stored(fitted())
    blob = bytearray(bytes(TextModel.objects.get(pk=row.pk).blob))
    blob[len(blob) // 2] ^= 0xFF
    TextModel.objects.filter(pk=row.pk).update(blob=bytes(blob))
    with pytest.raises(ValueError, match="校验失败"):
        store.load(TextModel.objects.get(pk=row.pk))
    # A blob swapped for another model's, digest left alone, is refused as well.
    other = TextModel.objects.get(pk=stored(fitted(TWO_CLASSES)).pk)
    TextModel.objects.filter(pk=row.pk).update(blob=bytes(other.blob))
    with pytest.raises(ValueError, match="校验失败"):
        store.load(TextModel.objects.get(pk=row.pk))
    # In use, a damaged version proposes nothing rather than breaking intake.
    TextModel.objects.filter(pk=row.pk).update(status=ModelStatus.ACTIVE)
    assert store.active() == (row.pk, None)


def test_the_stored_model_survives_the_database_round_trip() -> None:
    model = fitted(threshold=0.7)
    row = TextModel.objects.get(pk=stored(model).pk)  # BinaryField comes back as memoryview on PostgreSQL
    again = store.load(row)
    assert again.threshold == 0.7
    assert again.predict(LIGHTS_TEXT)[0].ranked == model.predict(LIGHTS_TEXT)[0].ranked
