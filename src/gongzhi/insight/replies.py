"""Reply check: before a department's reply closes a case, how well it answers the request.

Three scores in [0, 1], each with the reasons a reviewer reads:
- relevance: the request's key terms (the places it names and its distinctive character
  bigrams) found again in the reply;
- completeness: the parts a reply to a citizen is expected to have — what was found (经核实),
  what was done or will be done and by when, who to contact — and enough words to say them;
- timeliness: replied within the time limit, decaying after it.
A reply is flagged weak when the combined score is under WEAK, or relevance or completeness
is under FLOOR.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise

from gongzhi.insight.hotspots import places

WEAK = 0.5
FLOOR = 0.3
MIN_CHARS = 40

# (label, pattern): the parts of a complete reply, as 12345 reply templates phrase them.
PARTS: list[tuple[str, re.Pattern[str]]] = [
    ("核实情况", re.compile(r"经.{0,8}?(?:核实|核查|调查|了解|查|现场|实地)|据(?:查|了解|核实)|查明|调查核实|现场(?:查看|勘查|核查)|核实情况|情况如下|经我(?:局|委|办|单位|街道|中心)")),
    ("处理结果或措施", re.compile(r"已(?:经)?(?:处理|整改|解决|修复|维修|清理|清运|责令|要求|安排|督促|完成|拆除|取缔|恢复|查处|立案|协调|更换|落实|下发|约谈|处罚)|已(?:由|于|纳入|列入|建成|开)|正在|计划|拟|将(?:于|在|尽快|进一步|加强|督促|安排|组织)|责令|限期|处罚|整改|督促")),
    ("时间安排", re.compile(r"\d{1,4}\s*年|\d{1,2}\s*月\s*\d{1,2}\s*日|\d+\s*(?:个)?(?:工作日|日内|天内|周内|月底|月内)|近日|目前|下一步")),
    ("联系方式", re.compile(r"(?:电话|联系|咨询)[^。；]{0,12}\d{3,}|\d{3,4}-\d{7,8}|\d{7,11}|联系人|欢迎来电|可致电")),
]
_FILLER = re.compile(r"您好|感谢|谢谢|来信收悉|已收悉|留言收悉|答复如下|现答复|特此|此复|尊敬的|网友")
_PUNCT = set("，。、；：！？,.;:!?（）()“”\"'《》[]【】 \t\n")


@dataclass
class ReplyCheck:
    relevance: float
    completeness: float
    timeliness: float
    score: float
    weak: bool
    reasons: list[str] = field(default_factory=list)
    found: list[str] = field(default_factory=list)  # parts of a complete reply that are there

    def as_dict(self) -> dict[str, object]:
        return {"relevance": round(self.relevance, 3), "completeness": round(self.completeness, 3),
                "timeliness": round(self.timeliness, 3), "score": round(self.score, 3), "weak": self.weak,
                "reasons": self.reasons, "found": self.found}


def _bigrams(text: str) -> Counter[str]:
    chars = [c for c in text if c not in _PUNCT and not c.isdigit()]
    return Counter(a + b for a, b in pairwise(chars))


# Bigrams every request and reply share, which say nothing about the subject.
_COMMON = set(_bigrams("您好反映的问题情况我们已经进行相关部门工作人员小区居民群众市民网友领导请问希望尽快解决处理谢谢"
                       "关于目前根据按照要求进一步加强管理服务有关规定单位政府街道社区"))


def relevance(request: str, reply: str) -> tuple[float, list[str]]:
    """Share of the request's places and distinctive bigrams the reply takes up."""
    wanted_places = places(request)
    grams = [g for g, _n in _bigrams(request).most_common() if g not in _COMMON][:40]
    reply_grams = set(_bigrams(reply))
    if not grams and not wanted_places:
        return 1.0, []
    gram_share = sum(1 for g in grams if g in reply_grams) / len(grams) if grams else 0.0
    place_share = (sum(1 for p in wanted_places if p[-4:] in reply or p in reply) / len(wanted_places)
                   if wanted_places else gram_share)
    value = min(1.0, 0.6 * min(gram_share / 0.35, 1.0) + 0.4 * place_share)
    reasons = []
    if wanted_places and place_share == 0 and value < 0.5:
        reasons.append(f"答复未提及诉求中的地点（{'、'.join(sorted(wanted_places)[:3])}）")
    if gram_share < 0.15:
        reasons.append("答复与诉求内容关联很少")
    return value, reasons


def completeness(reply: str) -> tuple[float, list[str], list[str]]:
    found = [label for label, pattern in PARTS if pattern.search(reply)]
    substance = _FILLER.sub("", reply)
    length = min(len(substance.strip()) / (MIN_CHARS * 2), 1.0)
    value = 0.7 * (len(found) / len(PARTS)) + 0.3 * length
    reasons = [f"缺少{label}" for label, _p in PARTS if label not in found[:2] and label in ("核实情况", "处理结果或措施")
               and label not in found]
    if len(substance.strip()) < MIN_CHARS:
        reasons.append(f"答复过短（去掉客套话后 {len(substance.strip())} 字）")
    return value, reasons, found


def timeliness(replied_at: datetime | None, received_at: datetime | None, due_at: datetime | None) -> tuple[float, list[str]]:
    if replied_at is None or due_at is None or received_at is None:
        return 1.0, []
    if replied_at <= due_at:
        return 1.0, []
    allowed = max((due_at - received_at).total_seconds(), 3600.0)
    late = (replied_at - due_at).total_seconds()
    value = math.exp(-late / allowed)
    days = late / 86400
    return value, [f"超过办理时限 {days:.1f} 天答复" if days >= 1 else f"超过办理时限 {late / 3600:.1f} 小时答复"]


def check(request: str, reply: str, *, received_at: datetime | None = None, replied_at: datetime | None = None,
          due_at: datetime | None = None) -> ReplyCheck:
    rel, r1 = relevance(request, reply)
    comp, r2, found = completeness(reply)
    tim, r3 = timeliness(replied_at, received_at, due_at)
    score = 0.45 * rel + 0.4 * comp + 0.15 * tim
    weak = score < WEAK or rel < FLOOR or comp < FLOOR
    return ReplyCheck(rel, comp, tim, score, weak, r1 + r2 + r3, found)
