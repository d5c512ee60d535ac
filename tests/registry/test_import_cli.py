"""`gongzhi registry import|load-tags`: exit codes 0 / 1 / 2, progress, summary, report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gongzhi.registry.models import Person, TagType
from tests.registry.test_import import (
    PEOPLE_HEADERS,
    bad_id,
    generated,
    person_row,
    world,
    write_xlsx,
)

__all__ = ["world"]


def test_import_ok_prints_summary_and_progress(world: dict[str, Any], tmp_path: Path, capsys: Any) -> None:
    people = generated(10)
    f = write_xlsx(tmp_path / "人员.xlsx", PEOPLE_HEADERS, [person_row(p, room=str(i)) for i, p in enumerate(people)])
    call_command("registry", "import", str(f), "--kind", "people", "--user", world["community"].username)
    out = capsys.readouterr()
    assert "共 10 行，有效 10，错误 0，写入 10" in out.out
    assert "导入 10/10 行 (100%)" in out.err
    assert Person.objects.count() == 10


def test_rejected_rows_exit_1_and_valid_rows_writes(world: dict[str, Any], tmp_path: Path, capsys: Any) -> None:
    people = generated(6)
    rows = [person_row(p, room=str(i)) for i, p in enumerate(people)]
    rows[3][1] = bad_id(people[3])
    f = write_xlsx(tmp_path / "人员.xlsx", PEOPLE_HEADERS, rows)
    report = tmp_path / "out.xlsx"
    with pytest.raises(CommandError, match="未导入任何数据") as exc:
        call_command("registry", "import", str(f), "--kind", "people", "--user", world["community"].username,
                     "--report", str(report))
    assert exc.value.returncode == 1
    assert Person.objects.count() == 0
    assert report.exists()
    assert "第 5 行 [公民身份号码]" in capsys.readouterr().err
    call_command("registry", "import", str(f), "--kind", "people", "--user", world["community"].username,
                 "--valid-rows")
    assert Person.objects.count() == 5


def test_bad_file_exit_1(world: dict[str, Any], tmp_path: Path) -> None:
    f = tmp_path / "x.xlsx"
    f.write_bytes(b"junk")
    with pytest.raises(CommandError, match="无法读取") as exc:
        call_command("registry", "import", str(f), "--kind", "people", "--user", world["community"].username)
    assert exc.value.returncode == 1


def test_bad_arguments_exit_2(world: dict[str, Any], tmp_path: Path) -> None:
    p = generated(1)[0]
    f = write_xlsx(tmp_path / "人员.xlsx", ["人名", "身份证号", "网格"], [[p.name, p.id_number, "430104002014001"]])
    for args, message in (
        (["--user", "nobody"], "用户「nobody」不存在"),
        (["--user", world["community"].username], "缺少必填列：姓名"),
        (["--user", world["community"].username, "--map", "人名=nickname"], "字段「nickname」不存在"),
        (["--user", world["community"].username, "--map", "人名"], "--map 应为 表头=字段"),
    ):
        with pytest.raises(CommandError, match=message) as exc:
            call_command("registry", "import", str(f), "--kind", "people", *args)
        assert exc.value.returncode == 2
    call_command("registry", "import", str(f), "--kind", "people", "--user", world["community"].username,
                 "--map", "人名=name")
    assert Person.objects.get().name == p.name


def test_load_tags(db: None, capsys: Any) -> None:
    call_command("registry", "load-tags")
    assert TagType.objects.filter(name="残疾人").exists()
    assert "新建 9 个" in capsys.readouterr().out
    call_command("registry", "load-tags")
    assert "新建 0 个" in capsys.readouterr().out
