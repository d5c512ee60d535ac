from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import box, mapping

from gongzhi.areas import geo

Convert = Callable[[Any, Any], tuple[Any, Any]]
CONVERSIONS: list[Convert] = [
    geo.wgs84_to_gcj02,
    geo.gcj02_to_wgs84,
    geo.gcj02_to_bd09,
    geo.bd09_to_gcj02,
    geo.wgs84_to_bd09,
    geo.bd09_to_wgs84,
]


# --- Published pairs -------------------------------------------------------------------------

# Formula outputs printed to full precision, so forward conversions must agree to float noise.
# Where the source's inverse is approximate, ours (exact) may differ by the stated tolerance.
FORMULA_PAIRS = [
    # wandergis/coordtransform, test/app.js (the "//result" comment), input (116.404, 39.915).
    (geo.wgs84_to_gcj02, (116.404, 39.915), (116.41024449916938, 39.91640428150164), 1e-9),
    (geo.gcj02_to_bd09, (116.404, 39.915), (116.41036949371029, 39.92133699351021), 1e-9),
    # Its bd09togcj02 is the one-step closed form, ~4e-7° from the exact inverse.
    (geo.bd09_to_gcj02, (116.404, 39.915), (116.39762729119315, 39.90865673957631), 1e-6),
    # googollee/eviltransform, python/test.py and go/transform_test.go TESTS (given there as
    # lat, lng): Shanghai, Shenzhen, Beijing; their exact inverse is tested to 0.5 m, ours is
    # exact.
    (geo.wgs84_to_gcj02, (121.5272106, 31.1774276), (121.531541859215, 31.17530398364597), 1e-9),
    (geo.gcj02_to_wgs84, (121.531541859215, 31.17530398364597), (121.5272106, 31.1774276), 1e-9),
    (geo.wgs84_to_gcj02, (113.912316, 22.543847), (113.9171764808363, 22.540796131694766), 1e-9),
    (geo.gcj02_to_wgs84, (113.9171764808363, 22.540796131694766), (113.912316, 22.543847), 1e-9),
    (geo.wgs84_to_gcj02, (116.377817, 39.911954), (116.38404722455657, 39.91334545536069), 1e-9),
    (geo.gcj02_to_wgs84, (116.38404722455657, 39.91334545536069), (116.377817, 39.911954), 1e-9),
    # hujiulong/gcoord, test/unit/crs/{WGS84,GCJ02,BD09}.spec.ts, input (123, 45), printed to
    # 7-8 decimals; gcoord's inverses stop a little short of exact (< 1e-6° off).
    (geo.wgs84_to_gcj02, (123, 45), (123.00607541, 45.00197815), 1e-8),
    (geo.wgs84_to_bd09, (123, 45), (123.0124491, 45.0083293), 1e-7),
    (geo.gcj02_to_bd09, (123, 45), (123.00636499, 45.00636899), 1e-8),
    (geo.gcj02_to_wgs84, (123, 45), (122.99395597, 44.99804071), 1e-6),
    (geo.bd09_to_gcj02, (123, 45), (122.99363304, 44.99365430), 1e-6),
    (geo.bd09_to_wgs84, (123, 45), (122.98762210, 44.99171540), 1e-6),
]


@pytest.mark.parametrize(("convert", "source", "expected", "tolerance"), FORMULA_PAIRS)
def test_published_formula_pairs(
    convert: Convert,
    source: tuple[float, float],
    expected: tuple[float, float],
    tolerance: float,
) -> None:
    assert convert(*source) == pytest.approx(expected, abs=tolerance)


# hujiulong/gcoord, test/fixtures/china-cities.json: (WGS84, GCJ02, BD09) of city centres, to 7
# decimals, as reported by the map services. GCJ↔BD match the formula to the rounding; the
# services' GCJ-02 differs from the published formula by ~0.5 m (5e-6°), everywhere alike.
CITIES = {
    "驻马店": ((114.0164322, 33.0133556), (114.022306, 33.0115324), (114.0287781, 33.0176697)),
    "邵阳": ((111.4622119, 27.242124), (111.4677938, 27.2388981), (111.4742271, 27.2451662)),
    "那曲": ((92.0499619, 31.4784436), (92.0512438, 31.4762063), (92.0576832, 31.4824421)),
    "沈阳": ((123.4253306, 41.8032629), (123.4314787, 41.8057023), (123.438095, 41.8114013)),
    "酒泉": ((98.4937175, 39.7319946), (98.4943595, 39.7328234), (98.5008441, 39.7388949)),
    "钦州": ((108.6503952, 21.9828281), (108.6541485, 21.9799392), (108.6607283, 21.9856319)),
}


@pytest.mark.parametrize("city", CITIES)
def test_city_triples_from_map_services(city: str) -> None:
    wgs, gcj, bd = CITIES[city]
    assert geo.gcj02_to_bd09(*gcj) == pytest.approx(bd, abs=1e-7)
    assert geo.bd09_to_gcj02(*bd) == pytest.approx(gcj, abs=1e-7)
    assert geo.wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-5)
    assert geo.gcj02_to_wgs84(*gcj) == pytest.approx(wgs, abs=1e-5)
    assert geo.bd09_to_wgs84(*bd) == pytest.approx(wgs, abs=1e-5)
    assert geo.to_wgs84(*bd, "bd09") == geo.bd09_to_wgs84(*bd)


def test_inverse_beats_the_one_step_inverse() -> None:
    # wandergis/coordtransform, test/app.js: its gcj02towgs84(116.404, 39.915) is the one-step
    # inverse, ~5 cm off here (median ~0.6 m, up to ~6 m elsewhere in China).
    one_step = (116.39775550083061, 39.91359571849836)
    exact = geo.gcj02_to_wgs84(116.404, 39.915)
    assert exact == pytest.approx(one_step, abs=1e-6)
    assert geo.wgs84_to_gcj02(*exact) == pytest.approx((116.404, 39.915), abs=1e-12)
    assert geo.wgs84_to_gcj02(*one_step) != pytest.approx((116.404, 39.915), abs=1e-7)


# --- Properties --------------------------------------------------------------------------------

# The out-of-China box less a margin wider than the offset (< 0.012°), so a point and its
# offset image are both inside.
china = st.tuples(st.floats(72.05, 137.78), st.floats(0.88, 55.77))


@given(china)
def test_round_trips_inside_china(point: tuple[float, float]) -> None:
    lon, lat = point
    assert geo.gcj02_to_wgs84(*geo.wgs84_to_gcj02(lon, lat)) == pytest.approx(point, abs=1e-9)
    assert geo.wgs84_to_gcj02(*geo.gcj02_to_wgs84(lon, lat)) == pytest.approx(point, abs=1e-9)
    assert geo.bd09_to_wgs84(*geo.wgs84_to_bd09(lon, lat)) == pytest.approx(point, abs=1e-9)
    assert geo.gcj02_to_bd09(*geo.bd09_to_gcj02(lon, lat)) == pytest.approx(point, abs=1e-9)
    assert geo.wgs84_to_gcj02(lon, lat) != point  # the offset exists inside China


@pytest.mark.parametrize("convert", CONVERSIONS)
def test_arrays_match_scalars(convert: Convert) -> None:
    rng = np.random.default_rng(7)
    lons = np.concatenate([rng.uniform(73, 135, 50), [2.35, -74.0, 151.2, np.nan]])
    lats = np.concatenate([rng.uniform(18, 53, 50), [48.85, 40.7, -33.9, 30.0]])
    out_lon, out_lat = convert(lons, lats)
    assert isinstance(out_lon, np.ndarray)
    assert out_lon.shape == lons.shape
    for i in range(len(lons)):
        lon, lat = convert(float(lons[i]), float(lats[i]))
        assert isinstance(lon, float)
        assert isinstance(lat, float)
        assert (lon, lat) == pytest.approx((out_lon[i], out_lat[i]), abs=1e-12, nan_ok=True)


@pytest.mark.parametrize(
    "point", [(2.35, 48.85), (-74.0, 40.7), (151.2, -33.9), (71.9, 40.0), (120.0, 56.0)]
)
def test_gcj_offset_is_identity_outside_china(point: tuple[float, float]) -> None:
    assert geo.wgs84_to_gcj02(*point) == point
    assert geo.gcj02_to_wgs84(*point) == point
    assert geo.to_wgs84(*point, "gcj02") == point


def test_outside_china_unchanged_in_mixed_arrays() -> None:
    lons, lats = np.array([2.35, 116.404, 151.2]), np.array([48.85, 39.915, -33.9])
    out_lon, out_lat = geo.wgs84_to_gcj02(lons, lats)
    assert (out_lon[[0, 2]] == lons[[0, 2]]).all()
    assert (out_lat[[0, 2]] == lats[[0, 2]]).all()
    assert out_lon[1] != lons[1]


# --- Input errors ------------------------------------------------------------------------------


def test_to_wgs84_dispatches_and_rejects_unknown_datums() -> None:
    assert geo.to_wgs84(112.9, 28.2, "wgs84") == (112.9, 28.2)
    assert geo.to_wgs84(112.9, 28.2, "gcj02") == geo.gcj02_to_wgs84(112.9, 28.2)
    assert geo.to_wgs84(112.9, 28.2, "bd09") == geo.bd09_to_wgs84(112.9, 28.2)
    with pytest.raises(ValueError, match=r"datum='mars'.*wgs84, gcj02, bd09"):
        geo.to_wgs84(112.9, 28.2, "mars")
    with pytest.raises(ValueError, match="WGS84"):
        geo.to_wgs84(112.9, 28.2, "WGS84")


@pytest.mark.parametrize(
    ("lon", "lat", "needle"),
    [
        (200, 28.2, r"经度 lon=200 超出范围 \[-180, 180\]"),
        (-180.5, 28.2, "lon=-180.5 超出范围"),
        (112.9, 91, r"纬度 lat=91 超出范围 \[-90, 90\]"),
        (112.9, float("nan"), "lat=nan"),
        (float("inf"), 28.2, "lon=inf"),
        ("112.9", 28.2, "lon='112.9'"),
        (True, 28.2, "lon=True"),
        (112.9, None, "lat=None"),
    ],
)
def test_check_lonlat_refuses(lon: object, lat: object, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        geo.check_lonlat(lon, lat)


@pytest.mark.parametrize(
    ("lon", "lat"), [(180, 90), (-180, -90), (0, 0), (112.9, 28.2), (np.float32(112.9), 28)]
)
def test_check_lonlat_accepts(lon: object, lat: object) -> None:
    geo.check_lonlat(lon, lat)


# --- parse_boundary ----------------------------------------------------------------------------

SQUARE = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
HOLE = [[0.2, 0.2], [0.4, 0.2], [0.4, 0.4], [0.2, 0.2]]


@pytest.mark.parametrize(
    ("geojson", "needle"),
    [
        ("not a dict", "GeoJSON"),
        ({"type": "Point", "coordinates": [1, 2]}, "实为 Point"),
        ({"type": "Feature", "properties": {}, "geometry": None}, "实为 NoneType"),
        ({"coordinates": [SQUARE]}, "实为 None"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0]]]}, "至少需要 4 个.*3"),
        ({"type": "MultiPolygon", "coordinates": [[SQUARE], [[[5, 5], [6, 6], [5, 5]]]]}, "4"),
        ({"type": "Polygon", "coordinates": [SQUARE, [[0.2, 0.2], [0.3, 0.3]]]}, "at least 4"),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
            "无效.*Self-intersection",
        ),
        ({"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [200, 1], [0, 0]]]}, "超出经纬度"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 95], [0, 0]]]}, "out of lon"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, "x"], [0, 0]]]}, "格式错误"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, math.nan], [0, 0]]]}, "范围"),
        ({"type": "Polygon", "coordinates": []}, "为空"),
    ],
)
def test_parse_boundary_refuses_bad_shapes(geojson: Any, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        geo.parse_boundary(geojson)


def test_parse_boundary_accepts_polygons_multipolygons_and_features() -> None:
    polygon = {"type": "Polygon", "coordinates": [SQUARE, HOLE]}
    assert geo.parse_boundary(polygon).area == pytest.approx(1 - 0.02)
    multi = {"type": "MultiPolygon", "coordinates": [[SQUARE], [[[2, 0], [3, 0], [3, 1], [2, 0]]]]}
    assert geo.parse_boundary(multi).geom_type == "MultiPolygon"
    feature = {"type": "Feature", "properties": {"name": "A"}, "geometry": polygon}
    assert geo.parse_boundary(feature).equals(geo.parse_boundary(polygon))


# --- GridIndex ---------------------------------------------------------------------------------


def four_squares() -> geo.GridIndex:
    # 2 × 2 unit squares meeting at (1, 1); ids deliberately not in spatial or ascending order.
    return geo.GridIndex(
        [40, 7, 3, 12], [box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 1, 1, 2), box(1, 1, 2, 2)]
    )


def test_grid_index_inside_outside_and_shared_boundaries() -> None:
    index = four_squares()
    assert len(index) == 4
    assert index.locate(0.5, 0.5) == 40
    assert index.locate(1.5, 0.5) == 7
    assert index.locate(0.5, 1.5) == 3
    assert index.locate(1.5, 1.5) == 12
    assert index.locate(5, 5) is None
    assert index.locate(-0.001, 0.5) is None
    assert index.locate(0.0, 0.5) == 40  # own outer edge counts
    assert index.locate(1.0, 0.5) == 7  # edge of 40 and 7
    assert index.locate(0.5, 1.0) == 3  # edge of 40 and 3
    assert index.locate(1.0, 1.0) == 3  # corner of all four


def test_grid_index_batch_matches_one_by_one() -> None:
    index = four_squares()
    lons = [0.5, 1.5, 0.5, 1.5, 5.0, 1.0, 0.5, 1.0, 0.0, 2.0, -1.0]
    lats = [0.5, 0.5, 1.5, 1.5, 5.0, 0.5, 1.0, 1.0, 2.0, 0.0, -1.0]
    batch = index.locate_many(np.array(lons), np.array(lats))
    assert batch.dtype == np.int64
    assert batch.tolist() == [40, 7, 3, 12, -1, 7, 3, 3, 3, 7, -1]
    one_by_one = [index.locate(x, y) for x, y in zip(lons, lats, strict=True)]
    assert batch.tolist() == [-1 if i is None else i for i in one_by_one]
    assert index.locate_many(lons, lats).tolist() == batch.tolist()  # lists work too


@given(st.lists(st.tuples(st.integers(-2, 10), st.integers(-2, 10)), min_size=1, max_size=50))
def test_grid_index_batch_matches_one_by_one_on_edges(cells: list[tuple[int, int]]) -> None:
    # Half-unit steps put most points on edges and corners of the 2 × 2 squares.
    lons, lats = np.array(cells, dtype=np.float64).T / 4
    index = four_squares()
    expected = [index.locate(float(x), float(y)) for x, y in zip(lons, lats, strict=True)]
    assert index.locate_many(lons, lats).tolist() == [-1 if i is None else i for i in expected]


def test_grid_index_from_geojson_edge_cases() -> None:
    index = geo.GridIndex.from_geojson([2, 1], [mapping(box(0, 0, 1, 1)), mapping(box(1, 0, 2, 1))])
    assert index.locate(1.0, 0.5) == 1
    nan_and_inside = index.locate_many(np.array([np.nan, 0.5]), np.array([0.5, np.nan]))
    assert nan_and_inside.tolist() == [-1, -1]
    assert index.locate_many(np.array([]), np.array([])).tolist() == []
    empty = geo.GridIndex([], [])
    assert len(empty) == 0
    assert empty.locate(0.5, 0.5) is None
    assert empty.locate_many(np.array([0.5, 1.0]), np.array([0.5, 1.0])).tolist() == [-1, -1]
    with pytest.raises(ValueError, match="2 ids but 1 geometries"):
        geo.GridIndex([1, 2], [box(0, 0, 1, 1)])
    with pytest.raises(ValueError, match="equal length"):
        index.locate_many(np.array([0.5, 0.5]), np.array([0.5]))


def test_large_batches_match_arithmetic() -> None:
    # A 20 × 20 lattice of 0.01° squares; the square of a point is known by arithmetic, and
    # 60,000 points exercise the Z-order sort and its undoing.
    squares = [
        box(i * 0.01, j * 0.01, (i + 1) * 0.01, (j + 1) * 0.01)
        for j in range(20)
        for i in range(20)
    ]
    index = geo.GridIndex([1000 + k for k in range(len(squares))], squares)
    rng = np.random.default_rng(3)
    lons, lats = rng.uniform(-0.05, 0.25, 60_000), rng.uniform(-0.05, 0.25, 60_000)
    inside = (lons > 0) & (lons < 0.2) & (lats > 0) & (lats < 0.2)
    expected = np.where(inside, 1000 + (lats // 0.01) * 20 + lons // 0.01, -1).astype(np.int64)
    # Float rounding of the box coordinates makes points within 1e-9 of a line ambiguous.
    on_line = (np.abs(lons / 0.01 - np.round(lons / 0.01)) < 1e-6) | (
        np.abs(lats / 0.01 - np.round(lats / 0.01)) < 1e-6
    )
    got = index.locate_many(lons, lats)
    assert (got[~on_line] == expected[~on_line]).all()
    assert ((got == -1) == ~inside)[~on_line].all()
