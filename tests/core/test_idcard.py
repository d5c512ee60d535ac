from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.core.idcard import (
    InvalidIdNumberError,
    InvalidPhoneError,
    check_id_number,
    check_phone,
    id_check_char,
)

# The GB 11643 example number: 11010519491231002X (check character X).
EXAMPLE = "11010519491231002X"


def test_the_standard_example() -> None:
    info = check_id_number(EXAMPLE)
    assert (info.region_code, info.birth_date, info.gender) == ("110105", date(1949, 12, 31), "女")
    assert id_check_char(EXAMPLE[:17]) == "X"


def test_normalises_lower_x_spaces_and_full_width_digits() -> None:
    assert check_id_number(" 110105 19491231 002x ").number == EXAMPLE
    assert check_id_number("１１０１０５１９４９１２３１００２Ｘ").number == EXAMPLE


def make(prefix17: str) -> str:
    return prefix17 + id_check_char(prefix17)


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ("11010519491231002", "长度应为18位，实为 17 位"),
        ("1101051949123100AX", "前17位应为数字"),
        ("990105194912310021", "地区码无效"),
        (make("43010419990230001"), "出生日期无效：19990230"),
        (make("43010418891231001"), "出生日期无效"),
        ("110105194912310021", "校验位错误：应为 X，实为 1"),
    ],
)
def test_each_rule_is_named(raw: str, needle: str) -> None:
    with pytest.raises(InvalidIdNumberError, match=needle):
        check_id_number(raw)


def test_future_birth_date_is_refused() -> None:
    with pytest.raises(InvalidIdNumberError, match="出生日期无效"):
        check_id_number(make("43010420300101001"), today=date(2026, 11, 22))


def test_gender_from_the_17th_digit() -> None:
    assert check_id_number(make("43010419900101001")).gender == "男"
    assert check_id_number(make("43010419900101002")).gender == "女"


@given(st.integers(0, 25000), st.integers(0, 999), st.integers(0, 16), st.integers(1, 9))
def test_valid_numbers_pass_and_any_digit_change_fails(day: int, seq: int, pos: int, delta: int) -> None:
    born = date.fromordinal(date(1950, 1, 1).toordinal() + day)
    number = make(f"430104{born:%Y%m%d}{seq:03d}")
    assert check_id_number(number).birth_date == born
    changed = number[:pos] + str((int(number[pos]) + delta) % 10) + number[pos + 1:]
    # MOD 11-2 detects every single-digit error; the change may also break the date or region.
    with pytest.raises(InvalidIdNumberError):
        check_id_number(changed)


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [("13800138000", "13800138000"), ("+86 138-0013-8000", "13800138000"), ("0086 13800138000", "13800138000"),
     ("0731-88888888", "0731-88888888"), ("010 6512 3456", "010-65123456")],
)
def test_phones(raw: str, normalised: str) -> None:
    assert check_phone(raw) == normalised


@pytest.mark.parametrize("raw", ["12345678901", "1380013800", "88888888", "abc", ""])
def test_bad_phones(raw: str) -> None:
    with pytest.raises(InvalidPhoneError, match="电话号码格式不正确"):
        check_phone(raw)
