"""The insight tests: the case-engine city (tests/cases) with two more categories, models
trained on the messages in tests/insight/messages.py, and no model cache carried between tests."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from gongzhi.cases.models import Category, LimitUnit
from gongzhi.insight import store
from gongzhi.insight.classifier import RECIPES, TextClassifier
from gongzhi.insight.models import TextModel
from tests.cases.conftest import World, world
from tests.insight.messages import CLASSES, labelled

__all__ = ["world"]


@pytest.fixture(autouse=True)
def _no_model_cache() -> Iterator[None]:
    # Row ids come again in the next test's database; a cached model must not.
    store.forget()
    yield
    store.forget()


@pytest.fixture
def catalog(world: World) -> dict[str, Category]:
    """Class name of the messages → a category of the 派单目录 (the lights and garbage ones of
    the case-engine city, a noise one handled by the street, a property one by the community)."""
    noise = Category.objects.create(code="noise", name="噪音扰民", workflow="hotline", handler_level="street",
                                    limit_amount=Decimal(3), limit_unit=LimitUnit.WORK_DAYS)
    estate = Category.objects.create(code="property", name="物业管理", workflow="hotline",
                                     handler_level="community", limit_amount=Decimal(10),
                                     limit_unit=LimitUnit.WORK_DAYS)
    return {"路灯": world.lights, "噪音": noise, "物业": estate, "垃圾": world.garbage}


def fitted(codes: dict[str, str] | None = None, *, recipe: str = "baseline", threshold: float | None = None,
           ) -> TextClassifier:
    """A classifier fitted on every training message, labelled by ``codes[class]`` if given."""
    docs, labels = labelled()
    if codes is not None:
        labels = [codes[y] for y in labels]
    model = TextClassifier(RECIPES[recipe]).fit(docs, labels)
    if threshold is not None:
        model.threshold = threshold
    return model


def stored(model: TextClassifier, *, name: str = "category", active: bool = False) -> TextModel:
    row = store.save(model, name=name, source="tests", metrics={"macro_f1": 0.9}, trained_on=48)
    return store.activate(row) if active else row


@pytest.fixture
def active_model(catalog: dict[str, Category]) -> TextModel:
    """The intake model switched on: trained on the messages labelled with category codes."""
    return stored(fitted({y: c.code for y, c in catalog.items()}), active=True)


HEADERS = ["序号", "留言主题", "留言详情", "一级分类"]


def write_xlsx(path: Path, headers: list[str], rows: list[list[Any]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("留言")
    sheet.write_row(0, 0, headers)
    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row):
            if value is not None:
                sheet.write(i, j, value)
    book.close()
    return path


def message_rows() -> list[list[Any]]:
    """Every training message as a row of HEADERS."""
    rows: list[list[Any]] = []
    for label, messages in CLASSES.items():
        for title, body in messages:
            rows.append([len(rows) + 1, title, body, label])
    return rows
