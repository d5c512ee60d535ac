"""Reply check (gongzhi.insight.replies.check) on the 2,816 request/reply pairs of
messages_with_replies_fujian4.xlsx, and on the same requests with the replies shuffled: time
per reply, the share flagged weak for each, and how well relevance tells a reply to this
request from a reply to another one.

    .venv/bin/python bench/insight_replies.py [--seed 0]

Request = 留言主题 + 留言详情, reply = 答复意见 (both cleaned as the models see text). The
shuffled set pairs every request with another request's reply (a seeded permutation with no
fixed points). No time limit is known for these messages, so checks run without due_at
(timeliness is 1 for every pair: the weak flag comes from relevance and completeness only);
the reply delay (答复时间 − 留言时间) is printed for context. ROC AUC: true pairs positive,
shuffled negative, for relevance and for the combined score. The data is read from
/work/shared/data/hotline (or --data) at run time.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

from _setup import setup_django

DATA = Path("/work/shared/data/hotline")
FILE = "messages_with_replies_fujian4.xlsx"


def read(path: Path) -> tuple[list[tuple[str, str]], list[float], int]:
    from gongzhi.insight.datasets import when
    from gongzhi.insight.text import clean
    from gongzhi.registry.importing import LedgerFile, text

    source = LedgerFile(path)
    pairs, delays, skipped = [], [], 0
    for _n, row in source.rows():
        cell = dict(zip(source.headers, row, strict=False))
        request = clean(text(cell.get("留言主题")), text(cell.get("留言详情")))
        reply = clean(text(cell.get("答复意见")))
        if not request or not reply:
            skipped += 1
            continue
        pairs.append((request, reply))
        asked, answered = when(cell.get("留言时间")), when(cell.get("答复时间"))
        if asked and answered:
            delays.append((answered - asked).total_seconds() / 86400)
    return pairs, delays, skipped


def derangement(n: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    order = list(range(n))
    rng.shuffle(order)
    for i in range(n):  # swap away the fixed points
        if order[i] == i:
            j = (i + 1) % n
            order[i], order[j] = order[j], order[i]
    assert all(order[i] != i for i in range(n))
    return order


def run(pairs: list[tuple[str, str]]) -> tuple[list[Any], float]:
    from gongzhi.insight.replies import check

    t = time.perf_counter()
    out = [check(request, reply) for request, reply in pairs]
    return out, (time.perf_counter() - t) * 1000 / len(pairs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    setup_django("insight-replies")
    from sklearn.metrics import roc_auc_score

    from gongzhi.insight.replies import FLOOR, WEAK

    pairs, delays, skipped = read(args.data / FILE)
    order = derangement(len(pairs), args.seed)
    shuffled = [(pairs[i][0], pairs[order[i]][1]) for i in range(len(pairs))]
    true_checks, true_ms = run(pairs)
    fake_checks, fake_ms = run(shuffled)
    p = "insight_replies"
    print(f"{p}.pairs {len(pairs)} pairs")
    print(f"{p}.skipped {skipped} rows")
    print(f"{p}.reply_delay_median {statistics.median(delays):.1f} days")
    print(f"{p}.ms_per_reply {true_ms:.2f} ms")
    print(f"{p}.ms_per_reply_shuffled {fake_ms:.2f} ms")
    for name, checks in (("true", true_checks), ("shuffled", fake_checks)):
        n = len(checks)
        print(f"{p}.{name}.weak_share {sum(c.weak for c in checks) / n:.4f} ratio")
        print(f"{p}.{name}.relevance_median {statistics.median(c.relevance for c in checks):.3f} score")
        print(f"{p}.{name}.completeness_median {statistics.median(c.completeness for c in checks):.3f} score")
        print(f"{p}.{name}.score_median {statistics.median(c.score for c in checks):.3f} score")
        print(f"{p}.{name}.relevance_below_floor {sum(c.relevance < FLOOR for c in checks) / n:.4f} ratio")
        print(f"{p}.{name}.completeness_below_floor {sum(c.completeness < FLOOR for c in checks) / n:.4f} ratio")
        print(f"{p}.{name}.score_below_weak {sum(c.score < WEAK for c in checks) / n:.4f} ratio")
    truth = [1] * len(true_checks) + [0] * len(fake_checks)
    both = true_checks + fake_checks
    print(f"{p}.relevance_roc_auc {roc_auc_score(truth, [c.relevance for c in both]):.4f} ratio")
    print(f"{p}.score_roc_auc {roc_auc_score(truth, [c.score for c in both]):.4f} ratio")
    reasons = Counter(r.split("（")[0] for c in true_checks for r in c.reasons)
    for reason, count in reasons.most_common(5):
        print(f"{p}.true.reason.{reason} {count / len(true_checks):.4f} ratio")


if __name__ == "__main__":
    main()
