"""Import grid boundaries drawn in a GIS tool: a GeoJSON FeatureCollection, one feature per grid.

Feature properties: ``parent`` (the 12-digit code of the community — or the street — the grid
belongs to), ``name``, and optionally ``code`` (parent code + 3-digit sequence; allocated when
missing). Coordinates are WGS-84 unless the file says ``"datum": "gcj02"`` or ``"bd09"`` at its
top level. Every feature is checked first; a file with bad features imports nothing unless the
caller asks to skip them. Re-importing a file updates the grids it names instead of duplicating.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from django.db import transaction
from shapely.geometry import mapping

from gongzhi.areas.geo import parse_boundary, to_wgs84
from gongzhi.areas.models import Area, GridLayer, Level
from gongzhi.areas.services import renew_layer_version, set_boundary_fields


@dataclass
class GridRowError:
    index: int
    message: str

    def __str__(self) -> str:
        return f"第 {self.index} 个要素 (feature #{self.index}): {self.message}"


@dataclass
class GridImportReport:
    created: int = 0
    updated: int = 0
    errors: list[GridRowError] = field(default_factory=list)


class GridImportError(Exception):
    def __init__(self, report: GridImportReport) -> None:
        self.report = report
        super().__init__(f"网格文件有 {len(report.errors)} 处错误，未导入任何网格。")


def _to_wgs84(geom: shapely.Geometry, datum: str) -> shapely.Geometry:
    if datum == "wgs84":
        return geom

    def convert(coords: np.ndarray) -> np.ndarray:
        lon, lat = to_wgs84(coords[:, 0], coords[:, 1], datum)
        return np.column_stack([lon, lat])

    return shapely.transform(geom, convert)


def read_features(path: Path) -> tuple[str, list[dict[str, Any]]]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"无法读取 GeoJSON 文件 {path}: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise ValueError("文件应为 GeoJSON FeatureCollection（type=FeatureCollection，含 features 数组）")
    datum = str(doc.get("datum", "wgs84")).lower()
    to_wgs84(0.0, 0.0, datum)  # rejects an unknown datum with a clear message
    return datum, doc["features"]


@transaction.atomic
def import_grids(path: Path, layer_code: str, *, skip_bad_rows: bool = False) -> GridImportReport:
    datum, features = read_features(path)
    layer, _ = GridLayer.objects.get_or_create(code=layer_code, defaults={"name": layer_code})
    report = GridImportReport()
    parent_codes = {str((f.get("properties") or {}).get("parent", "")) for f in features if isinstance(f, dict)}
    parents = {a.code: a for a in Area.objects.filter(code__in=parent_codes, level__in=[Level.STREET, Level.COMMUNITY])}
    existing = {a.code: a for a in Area.objects.filter(parent__in=parents.values(), level=Level.GRID)}
    used = set(existing)
    seen: set[str] = set()
    rows: list[tuple[Area, dict[str, Any]]] = []
    for i, feat in enumerate(features, start=1):
        props = (feat.get("properties") or {}) if isinstance(feat, dict) else {}
        parent = parents.get(str(props.get("parent", "")))
        name = str(props.get("name", "")).strip()
        code = str(props.get("code", "") or "").strip()
        try:
            if parent is None:
                raise ValueError(f"上级区划代码 parent={props.get('parent')!r} 不存在或不是街道/社区")
            if not name:
                raise ValueError("网格名称 name 为空")
            geom = _to_wgs84(parse_boundary(feat), datum)
            if code and (not code.isdigit() or len(code) != 15 or not code.startswith(parent.code)):
                raise ValueError(f"网格代码 code={code} 应为上级12位代码 {parent.code} 加3位序号")
            if code in seen:
                raise ValueError(f"网格代码 code={code} 在文件中重复")
            if code in existing and existing[code].layer_id != layer.pk:
                raise ValueError(f"网格代码 code={code} 已属于另一图层 {existing[code].layer}")
        except ValueError as exc:
            report.errors.append(GridRowError(i, str(exc)))
            continue
        if not code:
            code = next(f"{parent.code}{n:03d}" for n in range(1, 1000) if f"{parent.code}{n:03d}" not in used)
        used.add(code)
        seen.add(code)
        grid = existing.get(code) or Area(code=code, path=code, level=Level.GRID, parent=parent)
        grid.name, grid.layer, grid.is_active = name, layer, True
        rows.append((grid, mapping(geom)))
    if report.errors and not skip_bad_rows:
        raise GridImportError(report)
    for grid, geojson in rows:
        set_boundary_fields(grid, json.loads(json.dumps(geojson)))
        if grid.pk:
            report.updated += 1
        else:
            report.created += 1
        grid.save()
    renew_layer_version(layer.pk)
    return report
