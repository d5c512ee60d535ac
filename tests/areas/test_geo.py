from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import box

from gongzhi.areas import geo

# Published pairs: wandergis/coordtransform, test/app.js, input (116.404, 39.915).
# Forward formulas must match to the last digits; coordtransform's bd09togcj02 is the one-step
# closed form (off by ~1e-6°), ours is refined until it inverts gcj02_to_bd09 exactly.
PAIRS = [
    (geo.gcj02_to_bd09, (116.41036949371029, 39.92133699351021), 1e-9),
    (geo.wgs84_to_gcj02, (116.41024449916938, 39.91640428150164), 1e-9),
    (geo.bd09_to_gcj02, (116.39762729119315, 39.90865673957631), 2e-6),
]


@pytest.mark.parametrize(("convert", "expected", "tolerance"), PAIRS)
def test_known_pairs(convert: geo.Any, expected: tuple[float, float], tolerance: float) -> None:
    assert convert(116.404, 39.915) == pytest.approx(expected, abs=tolerance)


def test_bd09_inverse_is_exact() -> None:
    assert geo.gcj02_to_bd09(*geo.bd09_to_gcj02(116.404, 39.915)) == pytest.approx((116.404, 39.915), abs=1e-10)


def test_inverse_is_exact_where_the_one_step_inverse_is_not() -> None:
    lon, lat = geo.gcj02_to_wgs84(116.404, 39.915)
    # The published one-step inverse gives (116.39775550083061, 39.91359571849836), metres off.
    assert (lon, lat) == pytest.approx((116.39775550083061, 39.91359571849836), abs=1e-4)
    assert geo.wgs84_to_gcj02(lon, lat) == pytest.approx((116.404, 39.915), abs=1e-9)


china = st.tuples(st.floats(73.5, 135.0), st.floats(18.0, 53.5))


@given(china)
def test_round_trips_inside_china(point: tuple[float, float]) -> None:
    lon, lat = point
    assert geo.gcj02_to_wgs84(*geo.wgs84_to_gcj02(lon, lat)) == pytest.approx((lon, lat), abs=1e-7)
    assert geo.bd09_to_wgs84(*geo.wgs84_to_bd09(lon, lat)) == pytest.approx((lon, lat), abs=1e-6)
    g = geo.wgs84_to_gcj02(lon, lat)
    assert g != (lon, lat)  # the offset exists inside China


def test_outside_china_is_unchanged_and_arrays_match_scalars() -> None:
    assert geo.wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)
    lons, lats = np.array([116.404, 112.94, 2.35]), np.array([39.915, 28.23, 48.85])
    out_lon, out_lat = geo.gcj02_to_wgs84(lons, lats)
    for i in range(3):
        assert (out_lon[i], out_lat[i]) == pytest.approx(geo.gcj02_to_wgs84(float(lons[i]), float(lats[i])), abs=1e-12)


def test_bad_datum_and_coordinates() -> None:
    with pytest.raises(ValueError, match=r"datum='mars'.*wgs84, gcj02, bd09"):
        geo.to_wgs84(112.9, 28.2, "mars")
    with pytest.raises(ValueError, match="lon=200"):
        geo.check_lonlat(200, 28.2)
    with pytest.raises(ValueError, match="lat=nan"):
        geo.check_lonlat(112.9, float("nan"))


@pytest.mark.parametrize(
    ("geojson", "needle"),
    [
        ({"type": "Point", "coordinates": [1, 2]}, "Point"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0]]]}, "4"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}, "Self-intersection"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [200, 1], [0, 0]]]}, "范围"),
        ("not a dict", "GeoJSON"),
    ],
)
def test_parse_boundary_refuses_bad_shapes(geojson: object, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        geo.parse_boundary(geojson)  # type: ignore[arg-type]


def test_parse_boundary_accepts_features() -> None:
    feature = {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}}
    assert geo.parse_boundary(feature).area == pytest.approx(0.5)


def test_grid_index_inside_outside_edges_and_batch() -> None:
    # Ids deliberately out of order: on the shared edge x=1 the smaller id (3) wins.
    index = geo.GridIndex([7, 3], [box(0, 0, 1, 1), box(1, 0, 2, 1)])
    assert len(index) == 2
    assert index.locate(0.5, 0.5) == 7
    assert index.locate(1.5, 0.5) == 3
    assert index.locate(1.0, 0.5) == 3
    assert index.locate(5, 5) is None
    lons = np.array([0.5, 1.5, 1.0, 5.0, 0.25])
    lats = np.array([0.5, 0.5, 0.5, 5.0, 0.75])
    batch = index.locate_many(lons, lats)
    assert batch.tolist() == [7, 3, 3, -1, 7]
    assert [index.locate(x, y) or -1 for x, y in zip(lons, lats, strict=True)] == batch.tolist()
    assert geo.GridIndex([], []).locate_many(lons, lats).tolist() == [-1] * 5


def test_large_batches_sorted_and_threaded_match_arithmetic() -> None:
    # A 20 × 20 lattice of 0.01° squares; the square of a point is known by arithmetic.
    squares = [box(i * 0.01, j * 0.01, (i + 1) * 0.01, (j + 1) * 0.01) for j in range(20) for i in range(20)]
    ids = [1000 + k for k in range(len(squares))]
    index = geo.GridIndex(ids, squares)
    rng = np.random.default_rng(3)
    lons, lats = rng.uniform(-0.05, 0.25, 60_000), rng.uniform(-0.05, 0.25, 60_000)
    inside = (lons > 0) & (lons < 0.2) & (lats > 0) & (lats < 0.2)
    expected = np.where(inside, 1000 + np.floor(lats / 0.01) * 20 + np.floor(lons / 0.01), -1).astype(np.int64)
    on_edge = inside & ((np.abs(lons / 0.01 - np.round(lons / 0.01)) < 1e-9) | (np.abs(lats / 0.01 - np.round(lats / 0.01)) < 1e-9))
    got = index.locate_many(lons, lats)
    assert (got[~on_edge] == expected[~on_edge]).all()
    assert (got == -1).sum() == (~inside).sum()
