"""热点 / 未诉先办: messages about the same problem (same place, same issue) grouped over a
period, each group scored, the hottest shown first; a group that crosses the alert threshold
raises a HotspotAlert so it is handled before more people call.

Grouping: character-bigram TF-IDF of the title and the start of the body; two messages are
linked when their texts are close and they name the same place (a road, 小区, village,
school… pulled out by PLACE) or lie within NEAR_METRES, or when the texts are very close and
do not name different places; groups are the connected components of those links.

Heat of a group = messages × (1 + ln(1 + support) / 3) × (1 + span_days / 30, at most 2)
× (0.5 + 0.5 · e^(−days since the last message / 14)): many messages, backed by votes or
merged duplicates, over days rather than one burst, and still coming in.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import TfidfVectorizer

from gongzhi.cases.duplicates import metres

CLOSE = 0.5  # text similarity that links two messages on its own
NEAR = 0.3  # text similarity that links them when they share a place
DIFFERENT_PLACES = 0.75  # … and when the two name different places
NEAR_METRES = 300.0
BODY_CHARS = 120
CHUNK = 2000

_SUFFIXES = ("小区|花园|家园|公寓|大厦|广场|商场|市场|学校|中学|小学|幼儿园|大学|学院|医院|卫生院|公园|车站|地铁站|"
             "工业园|产业园|山庄|新村|社区|村|镇|乡|街道|大道|路|街|巷|苑|府|城|湾|桥|隧道|高速|国道|省道|河|湖|"
             "公司|工地|项目|楼盘")
# Place words a name may run on to right after another (伊景园滨河 + 苑, 枫林路 + 小学).
_RUN_ON = "苑|小区|花园|家园|公寓|大厦|广场|山庄|新村|小学|中学|幼儿园|医院|公园"
# A run of Chinese characters, letters or digits ending in a place word: 联丰路, 米兰春天小区, 丽发新城.
PLACE = re.compile(rf"[\u4e00-\u9fffA-Za-z0-9]{{1,12}}?(?:{_SUFFIXES})(?:{_RUN_ON})*")
# Words before the name (坚决反对在诺亚山林小区 → 诺亚山林小区), and the words of position or
# action between a place and a place word after it (小区门口设置医院 → 医院: no place of its own).
_LEAD = re.compile(r"^(?:.*?(?:关于|反映|投诉|举报|请问|咨询|建议|希望|要求|我们|我家|我市|我区|本|该|在|的|位于|对|和|与|及|是|住|请|关注|解决|整治|"
                   r"门口|旁边|附近|对面|楼下|周边|周围|隔壁|设置|开设|开办))+")
# Government offices are addressees, not the places problems happen at.
_OFFICE = re.compile(r"(?:政府|市委|区委|县委|党委|人大|政协)$")
_GENERIC = {"小区", "公司", "学校", "医院", "路", "街", "村", "镇", "乡", "社区", "项目", "市场", "城", "河", "湖", "工地"}


@dataclass
class Message:
    key: str  # a case number or a row id
    title: str
    body: str
    at: datetime
    support: int = 0  # votes for it, or duplicates merged into it
    area_path: str = ""
    lon: float | None = None
    lat: float | None = None


@dataclass
class Group:
    messages: list[Message]
    place: str
    title: str
    heat: float
    support: int
    first_at: datetime
    last_at: datetime
    area_path: str = ""
    keys: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.messages)

    @property
    def signature(self) -> str:
        """Stable while the group grows: its first message and its place."""
        return f"{self.area_path}|{self.place}|{self.keys[0]}"


_NOT_A_ROAD = re.compile(r"路(?=[灯面况线费段])")  # 路灯, 路面 …: the run is cut there


def places(text: str) -> set[str]:
    found = set()
    for m in PLACE.finditer(_NOT_A_ROAD.sub(" ", text)):
        name = _LEAD.sub("", m.group(0))
        if len(name) >= 3 and name not in _GENERIC and not _OFFICE.search(name):
            found.add(name)
    return found


def _linked(a: Message, b: Message, pa: set[str], pb: set[str], similarity: float) -> bool:
    """Same problem: the same place named and close texts, or very close texts not naming
    different places, or close texts from points within NEAR_METRES."""
    if pa & pb:
        return True
    if similarity >= CLOSE and not (pa and pb):
        return True
    if similarity >= DIFFERENT_PLACES:
        return True
    d = metres(a, b)
    return d is not None and d <= NEAR_METRES


def heat(count: int, support: int, first: datetime, last: datetime, now: datetime) -> float:
    span = min((last - first).total_seconds() / 86400 / 30, 1.0)
    recent = 0.5 + 0.5 * math.exp(-max((now - last).total_seconds(), 0) / 86400 / 14)
    return count * (1 + math.log1p(max(support, 0)) / 3) * (1 + span) * recent


def group(messages: Sequence[Message], *, now: datetime, min_count: int = 2) -> list[Group]:
    """Groups of at least ``min_count`` messages, hottest first."""
    n = len(messages)
    if n < min_count:
        return []
    texts = [f"{m.title} {m.title} {m.body[:BODY_CHARS]}" for m in messages]
    vec = TfidfVectorizer(analyzer="char", ngram_range=(2, 2), sublinear_tf=True, min_df=1)
    mat = vec.fit_transform(texts)
    where = [places(f"{m.title} {m.body[:BODY_CHARS * 2]}") for m in messages]
    rows: list[int] = []
    cols: list[int] = []
    for start in range(0, n, CHUNK):
        sims = (mat[start:start + CHUNK] @ mat.T).tocoo()
        keep = (sims.data >= NEAR) & (sims.col > sims.row + start)
        for i, j, s in zip(sims.row[keep], sims.col[keep], sims.data[keep], strict=True):
            a, b = start + int(i), int(j)
            if _linked(messages[a], messages[b], where[a], where[b], float(s)):
                rows.append(a)
                cols.append(b)
    graph = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    _count, labels = connected_components(graph, directed=False)
    members: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        members.setdefault(int(label), []).append(i)
    out = []
    for idx in members.values():
        if len(idx) < min_count:
            continue
        out.append(_make_group([messages[i] for i in idx], mat[idx], [where[i] for i in idx], now))
    out.sort(key=lambda g: -g.heat)
    return out


def group_place(where: list[set[str]]) -> str:
    """The place a group is named by: the one most of its messages name; on a tie the longer
    name, then the first in code-point order, never the order sets happen to iterate in (the
    same group keeps its name from one check to the next)."""
    named = Counter(p for w in where for p in w)
    return min(named, key=lambda p: (-named[p], -len(p), p)) if named else ""


def _make_group(ms: list[Message], mat: csr_matrix, where: list[set[str]], now: datetime) -> Group:
    ms_sorted = sorted(range(len(ms)), key=lambda i: (ms[i].at, ms[i].key))
    centre = int(np.asarray((mat @ mat.T).sum(axis=1)).ravel().argmax())  # the most typical message
    place = group_place(where)
    support = sum(m.support for m in ms)
    first, last = ms[ms_sorted[0]].at, ms[ms_sorted[-1]].at
    paths = Counter(m.area_path for m in ms if m.area_path)
    return Group(messages=[ms[i] for i in ms_sorted], place=place, title=ms[centre].title,
                 heat=heat(len(ms), support, first, last, now), support=support, first_at=first, last_at=last,
                 area_path=paths.most_common(1)[0][0] if paths else "", keys=[ms[i].key for i in ms_sorted])
