"""What the JSON API's routers share: the error bodies declared in the OpenAPI document, the page
parameters, and the refusal of text no database column can hold.

Every refusal carries a non-empty ``detail``: a message (with the ``field`` it is about, when it is
about one), or, for a request that does not fit the operation's parameters (422), one entry per
broken rule naming where (``loc``) and why (``msg``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination
from pydantic import BaseModel


class ErrorOut(Schema):
    detail: str = Field(..., min_length=1)
    field: str | None = None


class RuleOut(Schema):
    type: str
    loc: list[str | int] = Field(..., min_length=1)
    msg: str = Field(..., min_length=1)


class ValidationErrorOut(Schema):
    detail: list[RuleOut] = Field(..., min_length=1)


def errors(*codes: int) -> dict[int, Any]:
    """Error responses for an operation's ``response=`` mapping: 401 (no key or session) and 403
    (no right, or the second factor missing) for every operation, plus ``codes`` — 400 bad input,
    404 no such row, 409 a stale version, 413 a body over the upload limit, 422 parameters of the
    wrong type or range."""
    return {code: ValidationErrorOut if code == 422 else ErrorOut for code in sorted({401, 403, *codes})}


class InputError(ValueError):
    """Bad input, naming the field and the rule (answered 400 by the API's ValueError handler)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


MAX_PAGE = 1_000_000


class Pages(PageNumberPagination):
    """Page numbers stop at MAX_PAGE: a larger one made an OFFSET past the database's 64-bit integers."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1)


def _bad_text_at(where: str, value: Any) -> str | None:
    """The first input under ``value`` holding text that cannot be stored: NUL (PostgreSQL text
    refuses it) or a lone surrogate (not encodable as UTF-8, which JSON's \\ud800 escapes allow)."""
    if isinstance(value, str):
        return where if "\x00" in value or (not value.isascii() and _has_surrogate(value)) else None
    if isinstance(value, BaseModel):
        return next((w for k, v in value.model_dump().items() if (w := _bad_text_at(k, v))), None)
    if isinstance(value, dict):
        return next((w for k, v in value.items() if (w := _bad_text_at(f"{where}.{k}", k) or
                                                     _bad_text_at(f"{where}.{k}", v))), None)
    if isinstance(value, list | tuple):
        return next((w for i, v in enumerate(value) if (w := _bad_text_at(f"{where}[{i}]", v))), None)
    return None


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def refuse_unstorable_text(view: Callable[..., Any]) -> Callable[..., Any]:
    """An operation decorator (after validation): 400 naming the field for NUL or lone surrogates in
    any path, query or body value, instead of a 500 from the database."""

    @wraps(view)
    def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
        for name, value in kwargs.items():
            where = _bad_text_at(name, value)
            if where is not None:
                raise InputError(where, "不能含 NUL 字符或无效的 Unicode 字符 (NUL or invalid Unicode characters)")
        return view(request, *args, **kwargs)

    return wrapped


class Mapped:
    """A queryset whose rows are turned into output dicts only for the page asked for: the
    paginator counts it in the database and slices it there (a list would convert every row)."""

    def __init__(self, queryset: Any, convert: Any) -> None:
        self.queryset, self.convert = queryset, convert

    def __len__(self) -> int:
        return int(self.queryset.count())

    def __getitem__(self, index: slice) -> list[Any]:
        return [self.convert(row) for row in self.queryset[index]]
