"""Realistic generated residents for the demo, the benchmarks and the tests — deterministic for a
seed, and fast (≈ 1 M people in a few seconds): common surnames by weight, given names of one or
two characters by gender, GB 11643 ID numbers with the right check character for the given
region codes, birth dates and genders agreeing with the ID, 11-digit mobiles, households of 1–5
with their relations. All generated: no real person is described.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from gongzhi.core.idcard import id_check_char

# The commonest surnames with their approximate share (per cent) of the population.
SURNAMES = (
    ("王", 7.1), ("李", 7.0), ("张", 6.7), ("刘", 5.4), ("陈", 4.5), ("杨", 3.1), ("黄", 2.6), ("赵", 2.3),
    ("吴", 2.0), ("周", 1.9), ("徐", 1.7), ("孙", 1.5), ("马", 1.5), ("朱", 1.3), ("胡", 1.3), ("郭", 1.2),
    ("何", 1.2), ("林", 1.2), ("罗", 1.1), ("高", 1.1), ("郑", 1.0), ("梁", 0.9), ("谢", 0.8), ("宋", 0.8),
    ("唐", 0.8), ("许", 0.7), ("韩", 0.7), ("邓", 0.7), ("冯", 0.7), ("曹", 0.7), ("彭", 0.7), ("曾", 0.6),
    ("肖", 0.6), ("田", 0.6), ("董", 0.5), ("潘", 0.5), ("袁", 0.5), ("蔡", 0.5), ("蒋", 0.5), ("余", 0.5),
    ("于", 0.5), ("杜", 0.5), ("叶", 0.5), ("程", 0.5), ("魏", 0.4), ("苏", 0.4), ("吕", 0.4), ("丁", 0.4),
    ("任", 0.4), ("卢", 0.4), ("姚", 0.4), ("沈", 0.4), ("钟", 0.4), ("姜", 0.4), ("崔", 0.3), ("谭", 0.3),
    ("陆", 0.3), ("范", 0.3), ("汪", 0.3), ("廖", 0.3), ("石", 0.3), ("金", 0.3), ("贾", 0.3), ("夏", 0.3),
    ("付", 0.3), ("方", 0.3), ("邹", 0.3), ("熊", 0.3), ("白", 0.2), ("孟", 0.2), ("秦", 0.2), ("邱", 0.2),
    ("侯", 0.2), ("江", 0.2), ("尹", 0.2), ("薛", 0.2), ("段", 0.2), ("雷", 0.2), ("龙", 0.2), ("黎", 0.2),
    ("贺", 0.2), ("易", 0.2), ("文", 0.2), ("欧阳", 0.05), ("司马", 0.01),
)
MALE_CHARS = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林峰建国文志海东兵坤亮博晨阳子轩睿泽霖宏德成"
FEMALE_CHARS = "芳娜敏静丽艳娟霞秀英玲桂兰萍红燕琳婷雪慧倩颖洁琴云梅莉佳欣怡雨涵诗晓悦思梦瑶妍丹璐露"
ETHNICITIES = (("汉族", 92.0), ("土家族", 3.0), ("苗族", 2.5), ("侗族", 1.0), ("瑶族", 0.8), ("回族", 0.4), ("满族", 0.3))
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
                   "156", "157", "158", "159", "166", "173", "176", "177", "180", "181", "182", "183", "186", "187",
                   "188", "189", "191", "198", "199")
# Region codes (GB/T 2260) of where people's 户籍 is: 长沙 districts first, then places 流动人口 come from.
LOCAL_REGIONS = {"430104": "湖南省长沙市岳麓区", "430102": "湖南省长沙市芙蓉区", "430103": "湖南省长沙市天心区",
                 "430105": "湖南省长沙市开福区", "430111": "湖南省长沙市雨花区"}
ORIGIN_REGIONS = {"430602": "湖南省岳阳市岳阳楼区", "431021": "湖南省郴州市桂阳县", "430523": "湖南省邵阳市邵阳县",
                  "430923": "湖南省益阳市安化县", "433101": "湖南省湘西州吉首市", "360111": "江西省南昌市青山湖区",
                  "421002": "湖北省荆州市沙市区", "440304": "广东省深圳市福田区", "511602": "四川省广安市广安区",
                  "450103": "广西壮族自治区南宁市青秀区"}
ROADS = ("麓山南路", "桃子湖路", "阜埠河路", "岳麓大道", "枫林一路", "新民路", "登高路", "牌楼路", "望月湖路", "潇湘中路")
HOUSEHOLD_SIZES = ((1, 15), (2, 30), (3, 30), (4, 15), (5, 10))


@dataclass(frozen=True)
class GeneratedPerson:
    name: str
    id_number: str
    phone: str
    gender: str  # "M" / "F", agreeing with the ID's 17th digit
    birth_date: date
    ethnicity: str
    residency: str  # "registered" (户籍) / "floating" (流动)
    registered_address: str
    household_number: str
    relation: str  # "self" / "spouse" / "child" / "parent" / "grandchild"

    @property
    def gender_label(self) -> str:
        return "男" if self.gender == "M" else "女"

    def age(self, today: date) -> int:
        return today.year - self.birth_date.year - ((today.month, today.day) < (self.birth_date.month, self.birth_date.day))


RELATION_LABELS = {"self": "户主", "spouse": "配偶", "child": "子女", "parent": "父母", "grandchild": "孙子女"}
RESIDENCY_LABELS = {"registered": "户籍", "floating": "流动"}


def _cumulative(pairs: Sequence[tuple[str, float]] | Sequence[tuple[int, int]]) -> tuple[list[object], list[float]]:
    items: list[object] = []
    weights: list[float] = []
    total = 0.0
    for item, w in pairs:
        total += w
        items.append(item)
        weights.append(total)
    return items, weights


class PeopleGenerator:
    """``households()`` yields lists of people living together; the ID numbers are unique across
    everything one generator yields."""

    def __init__(self, seed: int = 4301, *, today: date | None = None, local_regions: Sequence[str] | None = None,
                 floating_share: float = 0.25, household_prefix: str = "H") -> None:
        self.rng = random.Random(seed)  # noqa: S311 (generated demo data, deterministic on purpose)
        self.today = today or date(2026, 6, 1)
        self.local = list(local_regions or LOCAL_REGIONS)
        self.origins = list(ORIGIN_REGIONS)
        self.floating_share = floating_share
        self.prefix = household_prefix
        self._surnames, self._surname_w = _cumulative(SURNAMES)
        self._ethnic, self._ethnic_w = _cumulative(ETHNICITIES)
        self._sizes, self._size_w = _cumulative(HOUSEHOLD_SIZES)
        self._serial: dict[tuple[str, date, int], int] = {}
        self._households = 0

    def _pick(self, items: list[object], cum: list[float]) -> object:
        return self.rng.choices(items, cum_weights=cum)[0]

    def name(self, gender: str, surname: str | None = None) -> str:
        chars = MALE_CHARS if gender == "M" else FEMALE_CHARS
        given = self.rng.choice(chars) if self.rng.random() < 0.3 else self.rng.choice(chars) + self.rng.choice(chars)
        return (surname or str(self._pick(self._surnames, self._surname_w))) + given

    def id_number(self, region: str, birth: date, gender: str) -> str:
        """A unique ID: the 3-digit sequence counts up per region, birth date and gender (odd = male)."""
        parity = 1 if gender == "M" else 0
        while True:
            key = (region, birth, parity)
            n = self._serial.get(key, (birth.toordinal() * 7 + int(region)) % 250)  # the first one: anywhere
            if n < 500:
                self._serial[key] = n + 1
                break
            birth += timedelta(days=1)  # that many people of one sex born one day in one county: next day
        first17 = f"{region}{birth:%Y%m%d}{2 * n + parity:03d}"
        return first17 + id_check_char(first17)

    def phone(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def birth(self, age_low: int, age_high: int) -> date:
        age_low, age_high = max(age_low, 0), max(age_high, age_low)
        days = self.rng.randrange(age_low * 365 + 1, age_high * 365 + 365)
        return self.today - timedelta(days=days)

    def person(self, *, gender: str, birth: date, relation: str, household: str, region: str,
               residency: str, surname: str | None = None) -> GeneratedPerson:
        name = self.name(gender, surname)
        age = self.today.year - birth.year
        place = LOCAL_REGIONS.get(region) or ORIGIN_REGIONS.get(region, "湖南省")
        address = f"{place}{self.rng.choice(ROADS)}{self.rng.randrange(1, 400)}号" if residency == "registered" \
            else f"{place}{self.rng.choice(('城关镇', '新华街道', '人民路', '建设路'))}{self.rng.randrange(1, 200)}号"
        return GeneratedPerson(
            name=name, id_number=self.id_number(region, birth, gender), phone=self.phone() if age >= 12 else "",
            gender=gender, birth_date=birth, ethnicity=str(self._pick(self._ethnic, self._ethnic_w)),
            residency=residency, registered_address=address, household_number=household, relation=relation)

    def household(self, size: int | None = None) -> list[GeneratedPerson]:
        self._households += 1
        number = f"{self.prefix}{self._households:08d}"
        size = size or int(self._pick(self._sizes, self._size_w))  # type: ignore[call-overload]
        floating = self.rng.random() < self.floating_share
        residency = "floating" if floating else "registered"
        region = self.rng.choice(self.origins if floating else self.local)
        rng = self.rng
        if size == 1:
            head_age = rng.choice((rng.randrange(22, 40), rng.randrange(60, 92)))
        else:
            head_age = rng.randrange(26, 80)
        head_gender = "M" if rng.random() < 0.6 else "F"
        head_birth = self.birth(head_age, head_age)
        head = self.person(gender=head_gender, birth=head_birth, relation="self", household=number, region=region,
                           residency=residency)
        members = [head]
        surname = next(s for s in self._surnames if head.name.startswith(str(s)))  # 欧阳 before 欧
        if size >= 2:
            spouse_age = max(20, head_age + rng.randrange(-5, 6))
            members.append(self.person(gender="F" if head_gender == "M" else "M", birth=self.birth(spouse_age, spouse_age),
                                       relation="spouse", household=number, region=region, residency=residency))
        for _ in range(size - len(members)):
            if head_age >= 55 and rng.random() < 0.35:
                child_age = rng.randrange(0, 12)
                relation = "grandchild"
            elif head_age <= 45 and rng.random() < 0.3:
                child_age = min(100, head_age + rng.randrange(24, 32))
                relation = "parent"
            else:
                child_age = max(0, head_age - rng.randrange(22, 36))
                relation = "child"
            members.append(self.person(gender=rng.choice("MF"), birth=self.birth(child_age, child_age),
                                       relation=relation, household=number, region=region, residency=residency,
                                       surname=str(surname) if relation in ("child", "grandchild") else None))
        return members

    def households(self, count: int) -> Iterator[list[GeneratedPerson]]:
        for _ in range(count):
            yield self.household()

    def people(self, count: int) -> Iterator[GeneratedPerson]:
        """Exactly ``count`` people, household by household (the last household may be cut short)."""
        made = 0
        while made < count:
            for p in self.household():
                if made == count:
                    return
                made += 1
                yield p


def people(count: int, seed: int = 4301, **kwargs: object) -> Iterator[GeneratedPerson]:
    return PeopleGenerator(seed, **kwargs).people(count)  # type: ignore[arg-type]
