"""`gongzhi insight train|evaluate|activate|models` through call_command (and one real process)."""

from __future__ import annotations

import os
import re
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gongzhi.insight import store
from gongzhi.insight.models import ModelStatus, TextModel
from tests.insight.conftest import HEADERS, fitted, message_rows, stored, write_xlsx
from tests.insight.messages import HELD_OUT

pytestmark = pytest.mark.django_db
GONGZHI = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "gongzhi"
COLUMNS = ["--label-column", "一级分类", "--text-columns", "留言主题,留言详情"]


@pytest.fixture
def train_file(tmp_path: Path) -> Path:
    rows = message_rows()
    rows.append([99, "", "", "路灯"])  # skipped: no text
    return write_xlsx(tmp_path / "留言.xlsx", HEADERS, rows)


@pytest.fixture
def eval_file(tmp_path: Path) -> Path:
    """The held-out messages, labelled in a column called 一级标签 as evaluation exports do,
    and one about lights labelled 噪音. A model right on every text then scores, by hand:
    噪音 precision 1/1 recall 1/2 f1 2/3; 路灯 precision 1/2 recall 1/1 f1 2/3; 物业, 垃圾 f1 1;
    macro-F1 (2/3 + 2/3 + 1 + 1) / 4 = 0.8333."""
    rows = [[title, body, label] for (title, body), label in HELD_OUT]
    rows.append(["路灯不亮", "小区门口的路灯晚上一直不亮", "噪音"])  # labelled wrong in the export
    return write_xlsx(tmp_path / "评估.xlsx", ["留言主题", "留言详情", "一级标签"], rows)


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("insight", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_train_stores_a_version_not_in_use(train_file: Path) -> None:
    out, err = run("train", "--file", str(train_file), *COLUMNS, "--recipe", "baseline")
    row = TextModel.objects.get()
    assert (row.name, row.version, row.status, row.recipe, row.trained_on) == (
        "category", 1, ModelStatus.READY, "baseline", 48)
    assert row.source == str(train_file)
    assert "48 labelled rows" in err
    assert "1 skipped" in err
    assert re.search(r"^cv_macro_f1 [01]\.\d{4}$", out, re.MULTILINE)
    assert re.search(r"^  路灯  f1 [01]\.\d{4}  support 12$", out, re.MULTILINE)
    assert "stored category v1 (baseline, 48 labels; not in use: gongzhi insight activate 1 --model category)" in out
    assert store.active() == (None, None)


def test_train_named_model_and_activate_at_once(train_file: Path) -> None:
    out, _err = run("train", "--file", str(train_file), *COLUMNS, "--model", "ours", "--activate")
    row = TextModel.objects.get(name="ours")
    assert (row.recipe, row.status) == ("ours", ModelStatus.ACTIVE)  # the name picks the recipe
    assert "in use" in out.splitlines()[-1]
    pk, model = store.active("ours")
    assert pk == row.pk
    assert model is not None
    assert model.labels([HELD_OUT[0][0]]) == ["路灯"]


def test_evaluate_prints_classes_confusion_and_macro_f1_last(train_file: Path, eval_file: Path) -> None:
    stored(fitted())
    out, err = run("evaluate", "--file", str(eval_file), *COLUMNS)
    lines = out.splitlines()
    assert "evaluating category v1 (baseline)" in err
    assert lines[0].split() == ["class", "precision", "recall", "f1", "support"]
    assert [line.split() for line in lines[1:5]] == [
        ["噪音", "1.0000", "0.5000", "0.6667", "2"],
        ["垃圾", "1.0000", "1.0000", "1.0000", "1"],
        ["物业", "1.0000", "1.0000", "1.0000", "1"],
        ["路灯", "0.5000", "1.0000", "0.6667", "1"],
    ]
    start = lines.index("confusion matrix (rows: true, columns: predicted; classes in the order above)")
    assert [line.split() for line in lines[start + 1:start + 5]] == [
        ["噪音", "1", "0", "0", "1"], ["垃圾", "0", "1", "0", "0"], ["物业", "0", "0", "1", "0"],
        ["路灯", "0", "0", "0", "1"]]
    assert "accuracy 0.8000" in lines
    assert re.fullmatch(r"macro_f1 0\.\d{4}", lines[-1])
    assert lines[-1] == "macro_f1 0.8333"


def test_evaluate_a_chosen_version(eval_file: Path) -> None:
    stored(fitted())
    stored(fitted({"路灯": "路灯", "噪音": "噪音", "物业": "其他", "垃圾": "其他"}))
    out, err = run("evaluate", "--file", str(eval_file), *COLUMNS)
    assert "v2" in err
    assert float(out.splitlines()[-1].split()[1]) < 0.8  # v2 knows no 物业 or 垃圾
    out, err = run("evaluate", "--file", str(eval_file), *COLUMNS, "--version", "1")
    assert "v1" in err
    assert out.splitlines()[-1] == "macro_f1 0.8333"


def test_evaluate_cross_validated_on_the_file(train_file: Path) -> None:
    out, _err = run("evaluate", "--file", str(train_file), *COLUMNS, "--cv", "--recipe", "baseline")
    assert re.fullmatch(r"macro_f1 [01]\.\d{4}", out.splitlines()[-1])
    assert not TextModel.objects.exists()  # nothing stored


def test_evaluate_without_a_trained_model_names_model(eval_file: Path) -> None:
    with pytest.raises(CommandError, match="--model") as exc:
        run("evaluate", "--file", str(eval_file), *COLUMNS)
    assert exc.value.returncode == 2
    stored(fitted(), name="other")
    with pytest.raises(CommandError, match="--model"):
        run("evaluate", "--file", str(eval_file), *COLUMNS)  # a model of another name does not count
    with pytest.raises(CommandError, match="--model"):
        run("evaluate", "--file", str(eval_file), *COLUMNS, "--model", "other", "--version", "7")


@pytest.mark.parametrize(("args", "option"), [
    (["--label-column", "二级分类", "--text-columns", "留言主题,留言详情"], "--label-column"),
    (["--label-column", "一级分类", "--text-columns", "留言主题，留言内容"], "--text-columns"),
    (["--label-column", "一级分类"], "--text-columns"),
    (["--text-columns", "留言主题"], "--label-column"),
])
def test_bad_columns_exit_2_naming_the_option(train_file: Path, args: list[str], option: str) -> None:
    for action in ("train", "evaluate"):
        with pytest.raises(CommandError, match=option) as exc:
            run(action, "--file", str(train_file), *args)
        assert exc.value.returncode == 2
    assert not TextModel.objects.exists()


def test_bad_files_exit_2_naming_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="--file") as exc:
        run("train", "--file", str(tmp_path / "none.xlsx"), *COLUMNS)
    assert exc.value.returncode == 2
    (tmp_path / "留言.docx").write_bytes(b"x")
    with pytest.raises(CommandError, match="--file") as exc:
        run("train", "--file", str(tmp_path / "留言.docx"), *COLUMNS)
    assert exc.value.returncode == 2
    with pytest.raises(CommandError, match="--file") as exc:
        run("evaluate", *COLUMNS)
    assert exc.value.returncode == 2


def test_too_few_rows_exit_2(tmp_path: Path) -> None:
    f = write_xlsx(tmp_path / "少.xlsx", HEADERS, message_rows()[:3] + message_rows()[12:15])
    with pytest.raises(CommandError, match="至少需要 10 条") as exc:
        run("train", "--file", str(f), *COLUMNS)
    assert exc.value.returncode == 2


def test_activate_switches_versions_and_retires_the_old() -> None:
    stored(fitted())
    stored(fitted())
    out, _err = run("activate", "1")
    assert out.strip() == "category v1 in use"
    assert dict(TextModel.objects.values_list("version", "status")) == {1: "active", 2: "ready"}
    first = store.active()[0]
    out, _err = run("activate", "2")
    assert out.strip() == "category v2 in use"
    assert dict(TextModel.objects.values_list("version", "status")) == {1: "retired", 2: "active"}
    assert store.active()[0] == TextModel.objects.get(version=2).pk != first
    assert TextModel.objects.get(version=2).activated_at is not None
    out, _err = run("models")
    assert out.splitlines() == ["category v2 active baseline labels=48 cv_macro_f1=0.9000",
                                "category v1 retired baseline labels=48 cv_macro_f1=0.9000"]
    run("activate", "1")  # and back again
    assert dict(TextModel.objects.values_list("version", "status")) == {1: "active", 2: "retired"}


def test_activate_refuses_an_unknown_or_untrained_version() -> None:
    with pytest.raises(CommandError, match="v3") as exc:
        run("activate", "3")
    assert exc.value.returncode == 2
    TextModel.objects.create(name="category", version=1, recipe="ours", status=ModelStatus.TRAINING)
    with pytest.raises(CommandError, match="尚未训练完成") as exc:
        run("activate", "1")
    assert exc.value.returncode == 2
    assert TextModel.objects.get().status == ModelStatus.TRAINING


def test_the_installed_command_exits_2_on_a_bad_column(train_file: Path, tmp_path: Path) -> None:
    """A real `gongzhi` process: argparse, the settings and the exit code, no database needed."""
    env = {**os.environ, "GONGZHI_VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
    done = subprocess.run([str(GONGZHI), "insight", "train", "--file", str(train_file),
                           "--label-column", "类别", "--text-columns", "留言主题"],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert "--label-column" in done.stderr
    assert "类别" in done.stderr
    assert done.stdout == ""


def test_train_with_a_category_list_and_unlabelled_messages(train_file: Path, tmp_path: Path) -> None:
    """Each cell of the priors' text columns is one example; the unlabelled files' texts join the
    vocabulary; the training file's own rows without a label count as unlabelled too."""
    taxonomy = write_xlsx(tmp_path / "分类.xlsx", ["一级分类", "二级分类", "三级分类"], [
        ["路灯", "照明设施", "景观照明"], ["路灯", "道路照明", "照明灯具"], ["噪音", "其他", "其他"],
        ["垃圾", "其他", "其他"]])
    others = write_xlsx(tmp_path / "未标注.xlsx", ["留言主题", "留言详情"],
                        [["小区停电", "昨晚停电"], ["又停电了", "整栋楼停电"], ["停电通知", "明天停电吗"]])
    _out, err = run("train", "--file", str(train_file), *COLUMNS, "--priors", str(taxonomy),
                   "--priors-label-column", "一级分类", "--priors-text-columns", "二级分类,三级分类",
                   "--unlabelled", str(others))
    assert "3 unlabelled rows read from" in err
    row = TextModel.objects.get()
    assert row.recipe == "ours"
    vocabulary = store.load(row)._char.vocabulary_  # type: ignore[union-attr]
    assert "停电" in vocabulary
    # Four cells with 照明, so four examples: enough for min_df 3 (two joined rows would not be).
    assert "照明" in vocabulary
    assert "其他" not in vocabulary  # under two labels: no example


def test_a_missing_unlabelled_file_exits_2_naming_the_option(train_file: Path, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="--unlabelled") as exc:
        run("train", "--file", str(train_file), *COLUMNS, "--unlabelled", str(tmp_path / "无.xlsx"))
    assert exc.value.returncode == 2
    assert "文件不存在" in str(exc.value)
    assert not TextModel.objects.exists()
