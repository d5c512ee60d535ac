from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gongzhi.areas.divisions import DivisionImportError, import_city, normalise_city_code
from gongzhi.areas.models import Area, Level

pytestmark = pytest.mark.django_db

PROVINCES = "code,name\n43,湖南省\n11,北京市\n"
CITIES = "code,name,provinceCode\n4301,长沙市,43\n4302,株洲市,43\n1101,市辖区,11\n"
AREAS = "code,name,cityCode,provinceCode\n430102,芙蓉区,4301,43\n430104,岳麓区,4301,43\n430202,荷塘区,4302,43\n110101,东城区,1101,11\n"
STREETS = ("code,name,areaCode,provinceCode,cityCode\n430102001,文艺路街道,430102,43,4301\n"
           "430104002,岳麓街道,430104,43,4301\n110101001,东华门街道,110101,11,1101\n")
VILLAGES = ("code,name,streetCode,provinceCode,cityCode,areaCode\n"
            "430102001001,识字里社区居委会,430102001,43,4301,430102\n"
            "430104002014,麓山南路社区居委会,430104002,43,4301,430104\n"
            "430104002201,左家垅村委会,430104002,43,4301,430104\n"
            "110101001001,多福巷社区居委会,110101001,11,1101,110101\n")


def write_source(folder: Path, villages: str = VILLAGES, streets: str = STREETS) -> Path:
    for name, text in [("provinces.csv", PROVINCES), ("cities.csv", CITIES), ("areas.csv", AREAS),
                       ("streets.csv", streets), ("villages.csv", villages)]:
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_imports_one_city_as_a_tree(tmp_path: Path) -> None:
    report = import_city(write_source(tmp_path), "430100")
    assert report.created == {Level.CITY: 1, Level.DISTRICT: 2, Level.STREET: 2, Level.COMMUNITY: 3}
    area = Area.objects.get(path="430104002014")
    assert (area.code, area.level, area.name) == ("430104002014", Level.COMMUNITY, "麓山南路社区居委会")
    assert [a.path for a in (area.parent, area.parent.parent, area.parent.parent.parent)] == ["430104002", "430104", "4301"]
    assert Area.objects.get(path="430104").code == "430104000000"
    assert not Area.objects.filter(path__startswith="4302").exists()


def test_municipality_takes_the_province_name(tmp_path: Path) -> None:
    import_city(write_source(tmp_path), "1101")
    assert Area.objects.get(path="1101").name == "北京市"


def test_reimport_updates_instead_of_duplicating(tmp_path: Path) -> None:
    import_city(write_source(tmp_path), "4301")
    renamed = VILLAGES.replace("左家垅村委会", "左家垅社区居委会")
    report = import_city(write_source(tmp_path, villages=renamed), "4301")
    assert sum(report.created.values()) == 0
    assert report.updated == 1
    assert Area.objects.filter(path__startswith="4301").count() == 8
    assert Area.objects.get(path="430104002201").name == "左家垅社区居委会"


def test_bad_rows_are_all_reported_and_nothing_is_imported(tmp_path: Path) -> None:
    bad = VILLAGES + ("43010400201,缺一位社区,430104002,43,4301,430104\n"
                      "430104009001,无上级社区,430104009,43,4301,430104\n"
                      "430104002014,重复社区,430104002,43,4301,430104\n"
                      "430104002099,,430104002,43,4301,430104\n")
    with pytest.raises(DivisionImportError) as info:
        import_city(write_source(tmp_path, villages=bad), "4301")
    messages = [str(e) for e in info.value.report.errors]
    assert len(messages) == 4
    assert "villages.csv:6" in messages[0]
    assert "12位数字" in messages[0]
    assert "上级区划 430104009 不存在" in messages[1]
    assert "代码重复" in messages[2]
    assert "名称为空" in messages[3]
    assert not Area.objects.exists()


def test_skip_bad_rows_imports_the_rest(tmp_path: Path) -> None:
    bad = VILLAGES + "430104009001,无上级社区,430104009,43,4301,430104\n"
    report = import_city(write_source(tmp_path, villages=bad), "4301", skip_bad_rows=True)
    assert report.skipped == 1
    assert Area.objects.filter(level=Level.COMMUNITY).count() == 3


@pytest.mark.parametrize("raw", ["43", "430", "4301x", "430101", "430100000001"])
def test_bad_city_codes(raw: str) -> None:
    with pytest.raises(ValueError, match="城市代码"):
        normalise_city_code(raw)


def test_command_exits_non_zero_with_every_bad_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = VILLAGES + "430104009001,无上级社区,430104009,43,4301,430104\n"
    with pytest.raises(CommandError, match="1 行错误"):
        call_command("areas", "import", "--city", "4301", "--source", str(write_source(tmp_path, villages=bad)))
    assert "villages.csv:6" in capsys.readouterr().err
    with pytest.raises(CommandError, match="没有城市代码 9901"):
        call_command("areas", "import", "--city", "9901", "--source", str(tmp_path))


def test_an_edition_without_villages_imports_down_to_streets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_source(tmp_path)
    (tmp_path / "villages.csv").unlink()
    call_command("areas", "import", "--city", "4301", "--source", str(tmp_path))
    assert Area.objects.filter(level=Level.STREET).count() == 2
    assert not Area.objects.filter(level=Level.COMMUNITY).exists()
    assert "villages.csv" in capsys.readouterr().err
