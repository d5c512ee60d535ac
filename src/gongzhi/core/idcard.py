"""Chinese resident ID numbers (GB 11643-1999) and phone numbers: normalise and validate."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from operator import mul
from zoneinfo import ZoneInfo

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
     50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}
)
_CHINA = ZoneInfo("Asia/Shanghai")
_PHONE_NOISE = re.compile(r"[\s\-()（）]")
_COUNTRY_CODE = re.compile(r"^(\+?86|0086)(?=1\d{10}$)")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"(0[12]\d|0[3-9]\d{2})(\d{7,8})")  # area codes 010 and 020–029: three digits, others four
_FULLWIDTH = str.maketrans("０１２３４５６７８９ｘＸ", "0123456789XX")


class InvalidIdNumberError(ValueError):
    pass


class InvalidPhoneError(ValueError):
    pass


@dataclass(frozen=True)
class IdInfo:
    number: str
    region_code: str
    birth_date: date
    gender: str


def normalise_id_number(raw: str) -> str:
    return "".join(raw.split()).translate(_FULLWIDTH).upper()


def id_check_char(first17: str) -> str:
    if len(first17) != len(WEIGHTS):
        raise ValueError(f"an ID number's check character covers 17 digits, not {len(first17)}")
    return CHECK_CHARS[sum(map(mul, map(int, first17), WEIGHTS)) % 11]


def check_id_number(raw: str, *, today: date | None = None) -> IdInfo:
    number = normalise_id_number(raw)
    if len(number) != 18:
        raise InvalidIdNumberError(f"身份证号长度应为18位，实为 {len(number)} 位 (GB 11643: 18 characters)")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidIdNumberError("身份证号前17位应为数字，末位为数字或X (GB 11643: 17 digits + check character)")
    if int(number[:2]) not in PROVINCES:
        raise InvalidIdNumberError(f"身份证号地区码无效：{number[:2]} 不是省级行政区代码 (GB 11643: region code)")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumberError(f"出生日期无效：{number[6:14]} (GB 11643: birth date)") from None
    if birth.year < 1900 or birth > (today or datetime.now(_CHINA).date()):
        raise InvalidIdNumberError(f"出生日期无效：{number[6:14]} (GB 11643: birth date)")
    expected = id_check_char(number[:17])
    if number[17] != expected:
        raise InvalidIdNumberError(
            f"身份证号校验位错误：应为 {expected}，实为 {number[17]} (GB 11643 checksum)"
        )
    gender = "男" if int(number[16]) % 2 else "女"
    return IdInfo(number=number, region_code=number[:6], birth_date=birth, gender=gender)


def check_phone(raw: str) -> str:
    """A mainland mobile (13800138000) or landline (0731-88888888) number, normalised."""
    compact = _PHONE_NOISE.sub("", raw.translate(_FULLWIDTH))
    compact = _COUNTRY_CODE.sub("", compact)
    if _MOBILE.fullmatch(compact):
        return compact
    landline = _LANDLINE.fullmatch(compact)
    if landline:
        return f"{landline.group(1)}-{landline.group(2)}"
    raise InvalidPhoneError(
        f"电话号码格式不正确：{raw!r}；手机应为11位（1开头），固话应为区号+7到8位号码"
    )
