"""`gongzhi insight train|evaluate|activate|models|hotspots`: the classifier from the command line.

    gongzhi insight train --file F.xlsx --label-column 一级分类 --text-columns 留言主题,留言详情 [--model NAME]
    gongzhi insight train                      # from the platform's own dispatched cases
    gongzhi insight evaluate --file F --label-column COL --text-columns A,B [--model NAME]

``--model NAME`` names the stored model (default ``category``, the one intake uses when it is
switched on); the names ``baseline``, ``ours`` and ``ours+e5`` also pick that recipe.
``--priors F`` adds a category list (each cell of its text columns one example of the row's
label), ``--unlabelled F`` messages without labels for the vocabulary. Evaluation prints
per-class F1, the confusion matrix and a last line ``macro_f1 0.xxxx``. Exit codes: 0 done,
2 bad arguments or data (the message names the option and the rule).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.insight import store
from gongzhi.insight.classifier import RECIPES, TrainingError
from gongzhi.insight.datasets import Dataset, DatasetError, from_file
from gongzhi.insight.models import TextModel
from gongzhi.insight.training import cross_validate, evaluate, platform_dataset, train

DEFAULT_NAME = store.INTAKE_MODEL


def _columns(value: str) -> list[str]:
    return [c.strip() for c in value.replace("，", ",").split(",") if c.strip()]


class Command(BaseCommand):
    help = "Train, evaluate and switch the text classifier (智能派单)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        for name in ("train", "evaluate"):
            p = sub.add_parser(name)
            p.add_argument("--file", help="xlsx, xls, ods or csv with a header row")
            p.add_argument("--label-column", help="the column holding the label, e.g. 一级分类")
            p.add_argument("--text-columns", default="", help="comma-separated text columns, title first")
            p.add_argument("--model", default=DEFAULT_NAME, help="stored model name (default category)")
            p.add_argument("--priors", help="a file of label/keyword rows used as extra examples (recipe ours)")
            p.add_argument("--priors-label-column", default="")
            p.add_argument("--priors-text-columns", default="", help="each cell of these columns is one example")
            p.add_argument("--unlabelled", default="",
                           help="comma-separated files of unlabelled messages (same --text-columns) for the vocabulary")
        t = sub.choices["train"]
        t.add_argument("--recipe", choices=sorted(RECIPES), help="features and model (default: ours)")
        t.add_argument("--activate", action="store_true", help="switch the new version on at once")
        e = sub.choices["evaluate"]
        e.add_argument("--version", type=int, help="a stored version (default: the latest)")
        e.add_argument("--cv", action="store_true", help="5-fold cross-validate the recipe on the file instead")
        e.add_argument("--recipe", choices=sorted(RECIPES), help="with --cv: the recipe (default: ours)")
        a = sub.add_parser("activate")
        a.add_argument("version", type=int)
        a.add_argument("--model", default=DEFAULT_NAME)
        sub.add_parser("models")

    def handle(self, *args: Any, **o: Any) -> None:
        try:
            getattr(self, f"_{o['action']}")(o)
        except (DatasetError, TrainingError) as exc:
            raise CommandError(str(exc), returncode=2) from None

    def _dataset(self, o: dict[str, Any]) -> Dataset:
        if not o["label_column"]:
            raise DatasetError("--label-column", "--label-column: 使用 --file 时必须给出标签列，例如 一级分类")
        data = from_file(o["file"], label_column=o["label_column"], text_columns=_columns(o["text_columns"]))
        if not len(data):
            raise DatasetError("--file", f"--file: 没有同时有文本和标签的行（跳过 {data.skipped} 行）")
        self.stderr.write(f"{len(data)} labelled rows read from {o['file']} ({len(data.unlabelled)} without a label, "
                          f"{data.skipped} skipped: no text)")
        return data

    def _add_unlabelled(self, o: dict[str, Any], data: Dataset) -> Dataset:
        """``data`` with the --unlabelled files' texts; only training and --cv use them."""
        for path in _columns(o.get("unlabelled") or ""):
            try:
                more = from_file(path, label_column=None, text_columns=_columns(o["text_columns"]))
            except DatasetError as exc:
                rest = str(exc).removeprefix(f"{exc.field}: ")
                raise DatasetError("--unlabelled", f"--unlabelled: {path}: {rest}") from None
            data.unlabelled.extend(more.docs)
            self.stderr.write(f"{len(more)} unlabelled rows read from {path}")
        return data

    def _priors(self, o: dict[str, Any]) -> list[tuple[str, str]]:
        if not o["priors"]:
            return []
        cols = _columns(o["priors_text_columns"])
        if not o["priors_label_column"] or not cols:
            raise DatasetError("--priors", "--priors: 须同时给出 --priors-label-column 和 --priors-text-columns")
        return from_file(o["priors"], label_column=o["priors_label_column"], text_columns=cols).cells()

    @staticmethod
    def _recipe(o: dict[str, Any]) -> str:
        return o.get("recipe") or (o["model"] if o["model"] in RECIPES else "ours")

    def _train(self, o: dict[str, Any]) -> None:
        if o["file"]:
            data, priors = self._add_unlabelled(o, self._dataset(o)), self._priors(o)
        else:
            data, priors = platform_dataset()
            self.stderr.write(f"{len(data)} dispatched cases from the platform")
        row = train(data, recipe=self._recipe(o), name=o["model"], priors=priors, prior_classes=not o["file"])
        self.stdout.write("\n".join(_cv_lines(row.metrics)))
        if o["activate"]:
            store.activate(row)
        state = "in use" if o["activate"] else f"not in use: gongzhi insight activate {row.version} --model {row.name}"
        self.stdout.write(f"stored {row.name} v{row.version} ({row.recipe}, {row.trained_on} labels; {state})")

    def _evaluate(self, o: dict[str, Any]) -> None:
        if not o["file"]:
            raise DatasetError("--file", "--file: 评估须给出文件")
        data = self._dataset(o)
        if o["cv"]:
            rep = cross_validate(RECIPES[self._recipe(o)], self._add_unlabelled(o, data), priors=self._priors(o))
        else:
            rows = TextModel.objects.filter(name=o["model"], blob__isnull=False).exclude(digest="")
            if o["version"]:
                rows = rows.filter(version=o["version"])
            row = rows.order_by("-version").first()
            if row is None:
                raise DatasetError("--model", f"--model: 没有已训练的模型「{o['model']}」；先运行 gongzhi insight train")
            self.stderr.write(f"evaluating {row.name} v{row.version} ({row.recipe})")
            rep = evaluate(store.load(row), data)
        self.stdout.write("\n".join(rep.lines()))

    def _activate(self, o: dict[str, Any]) -> None:
        row = TextModel.objects.filter(name=o["model"], version=o["version"]).first()
        if row is None:
            raise DatasetError("version", f"version: 没有模型 {o['model']} v{o['version']}")
        try:
            store.activate(row)
        except ValueError as exc:
            raise DatasetError("version", str(exc)) from None
        self.stdout.write(f"{row.name} v{row.version} in use")

    def _models(self, o: dict[str, Any]) -> None:
        for m in TextModel.objects.order_by("name", "-version"):
            f1 = f"{m.macro_f1:.4f}" if m.macro_f1 is not None else "—"
            self.stdout.write(f"{m.name} v{m.version} {m.status} {m.recipe} labels={m.trained_on} cv_macro_f1={f1}")


def _cv_lines(metrics: dict[str, Any]) -> list[str]:
    out = ["cross-validated on the training data:"]
    for row in metrics.get("per_class", []):
        out.append(f"  {row['label']}  f1 {row['f1']:.4f}  support {row['support']}")
    out.append(f"cv_macro_f1 {metrics.get('macro_f1', 0):.4f}")
    return out
