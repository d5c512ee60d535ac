from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gongzhi.areas.geo import wgs84_to_gcj02
from gongzhi.areas.grid_import import GridImportError, import_grids
from gongzhi.areas.locate import locate_grid
from gongzhi.areas.models import Area, GridLayer, Level
from tests.builders import square

pytestmark = pytest.mark.django_db


def feature(parent: str, name: str, geometry: dict[str, Any], code: str = "") -> dict[str, Any]:
    props = {"parent": parent, "name": name, **({"code": code} if code else {})}
    return {"type": "Feature", "properties": props, "geometry": geometry}


def write(tmp_path: Path, features: list[dict[str, Any]], **top: Any) -> Path:
    path = tmp_path / "grids.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features, **top}, ensure_ascii=False), encoding="utf-8")
    return path


def test_imports_a_second_layer_and_allocates_codes(tree: dict[str, Area], tmp_path: Path) -> None:
    f = write(tmp_path, [feature("430104002014", "城管单元A", square(113.0, 28.0)),
                         feature("430104002014", "城管单元B", square(113.01, 28.0))])
    report = import_grids(f, "chengguan")
    assert (report.created, report.updated) == (2, 0)
    layer = GridLayer.objects.get(code="chengguan")
    assert not layer.is_authoritative
    codes = sorted(Area.objects.filter(layer=layer).values_list("code", flat=True))
    # 001 and 002 are taken by the authoritative layer's grids: sequences are shared.
    assert codes == ["430104002014003", "430104002014004"]
    grid = Area.objects.get(code="430104002014003")
    assert (grid.level, grid.parent_id, grid.min_lon) == (Level.GRID, tree["430104002014"].pk, 113.0)
    assert locate_grid(113.015, 28.005, layer=layer) == Area.objects.get(code="430104002014004")
    # The authoritative layer is unaffected.
    assert locate_grid(113.015, 28.005) is None


def test_reimport_updates_by_code(tree: dict[str, Area], tmp_path: Path) -> None:
    import_grids(write(tmp_path, [feature("430104002014", "A", square(113.0, 28.0), "430104002014010")]), "chengguan")
    version = GridLayer.objects.get(code="chengguan").version
    assert locate_grid(113.005, 28.005, layer=GridLayer.objects.get(code="chengguan")) is not None
    report = import_grids(write(tmp_path, [feature("430104002014", "A改", square(113.5, 28.0), "430104002014010")]), "chengguan")
    assert (report.created, report.updated) == (0, 1)
    grid = Area.objects.get(code="430104002014010")
    assert (grid.name, grid.min_lon) == ("A改", 113.5)
    assert grid.layer.version != version
    # The cached index was replaced: the old place no longer holds the grid.
    assert locate_grid(113.005, 28.005, layer=grid.layer) is None
    assert locate_grid(113.505, 28.005, layer=grid.layer) == grid


def test_gcj02_file_is_stored_as_wgs84(tree: dict[str, Area], tmp_path: Path) -> None:
    lon, lat = wgs84_to_gcj02(113.0, 28.0)
    import_grids(write(tmp_path, [feature("430104002014", "A", square(float(lon), float(lat)))], datum="gcj02"), "cg")
    grid = Area.objects.get(layer__code="cg")
    first_corner = grid.boundary["coordinates"][0][0]
    assert first_corner == pytest.approx([113.0, 28.0], abs=1e-7)


def test_every_bad_feature_is_reported_and_nothing_imported(tree: dict[str, Area], tmp_path: Path) -> None:
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    f = write(tmp_path, [
        feature("430104002014", "好网格", square(113.0, 28.0)),
        feature("999999999999", "无上级", square(113.1, 28.0)),
        feature("430104002014", "", square(113.2, 28.0)),
        feature("430104002014", "自相交", bowtie),
        feature("430104002014", "错代码", square(113.3, 28.0), "430102001001001"),
    ])
    with pytest.raises(GridImportError) as info:
        import_grids(f, "chengguan")
    errors = [str(e) for e in info.value.report.errors]
    assert [e.split(":")[0] for e in errors] == [f"第 {i} 个要素 (feature #{i})" for i in (2, 3, 4, 5)]
    assert "parent='999999999999'" in errors[0]
    assert "name" in errors[1]
    assert "code=430102001001001" in errors[3]
    assert not Area.objects.filter(layer__code="chengguan").exists()
    report = import_grids(f, "chengguan", skip_bad_rows=True)
    assert report.created == 1
    assert len(report.errors) == 4


def test_command_reports_unreadable_files(tree: dict[str, Area], tmp_path: Path) -> None:
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="无法读取"):
        call_command("areas", "import-grids", str(broken))
    wrong = write(tmp_path, [])
    wrong.write_text(json.dumps({"type": "Feature"}), encoding="utf-8")
    with pytest.raises(CommandError, match="FeatureCollection"):
        call_command("areas", "import-grids", str(wrong))


def test_locate_command(tree: dict[str, Area], capsys: pytest.CaptureFixture[str]) -> None:
    call_command("areas", "locate", "112.905", "28.205")
    assert capsys.readouterr().out.startswith("430104002014001 ")
    lon, lat = wgs84_to_gcj02(112.905, 28.205)
    call_command("areas", "locate", str(lon), str(lat), "--datum", "gcj02")
    assert capsys.readouterr().out.startswith("430104002014001 ")
    with pytest.raises(CommandError, match="不在任何网格"):
        call_command("areas", "locate", "100", "40")
    with pytest.raises(CommandError, match="datum"):
        call_command("areas", "locate", "112.9", "28.2", "--datum", "mars")


def test_other_layers_stay_out_of_the_tree_pages(tree: dict[str, Area], tmp_path: Path) -> None:
    from gongzhi.areas import selectors

    import_grids(write(tmp_path, [feature("430104002014", "城管单元A", square(113.0, 28.0))]), "chengguan")
    community = tree["430104002014"]
    assert [c.area.path for c in selectors.children(None, community)] == ["430104002014001", "430104002014002"]
    assert selectors.stats(tree["430104002"])["grids"] == 3
    assert selectors.grids_under("430104").count() == 4
