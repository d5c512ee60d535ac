"""Exact search by ID number in a registry of 20,000,000 people (PostgreSQL) or 2,000,000 (SQLite).

Builds one synthetic district (10 streets, 100 communities, 1,000 grids) in a fresh database
(SQLite temp file, or the PostgreSQL database named by DATABASE_URL — emptied by flush) and
bulk-loads people with COPY (PostgreSQL) or executemany in large transactions (SQLite), the
table's secondary indexes dropped for the load and rebuilt after from their own definitions.
Bulk rows carry valid, unique ID numbers and their real keyed hash (core.pii.blind_index,
checked against it), but ONE FIXED CIPHERTEXT in the encrypted id_number column (a real
Fernet token of a placeholder, so rows still decrypt). 1,000 further people are written by
the model with their own encrypted values. Then times, through selectors.search_people (what
the pages and API call): 1,000 searches for the model-written people, 1,000 for random bulk
rows, 100 for absent ID numbers, as a district leader and as a street dispatcher; and the bare
``Person.objects.filter(scope, id_number_hash=…)``. Prints `name value unit` lines, and which
index each query's plan uses.

    .venv/bin/python bench/registry_search.py [--people 2000000] [--searches 1000]
    DATABASE_URL=postgres://postgres@127.0.0.1:55432/bench_registry .venv/bin/python bench/registry_search.py
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import random
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from itertools import repeat
from typing import Any

import numpy as np

from _setup import setup_django

REGIONS = (430102, 430103, 430104, 430105, 430111, 430112, 430121, 430181)
DUMMY_ID = "000000000000000000"
DAYS = 29220  # birth dates 1940-01-01 … 2019-12-31
WEIGHTS = np.array((7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), dtype=np.int64)
CHECK = np.array(list("10X98765432"))
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅海燕文辉鹏飞宇浩然思雨子涵欣怡梓轩一诺雨桐"


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[18] if len(samples) > 1 else samples[0]


# --- synthetic data --------------------------------------------------------------------------


def id_numbers(index: np.ndarray) -> tuple[list[str], list[str], list[str]]:
    """Valid, distinct GB 11643 numbers for distinct indexes (< 8 × 29,220,000), with birth
    dates (ISO) and genders: index → (region, birth day, sequence) is one-to-one."""
    index = index.astype(np.int64)
    day, rest = index % DAYS, index // DAYS
    seq, region = rest % 1000, np.asarray(REGIONS, dtype=np.int64)[rest // 1000]
    dates = np.datetime64("1940-01-01") + day.astype("timedelta64[D]")
    month_start = dates.astype("datetime64[M]")
    ymd = ((dates.astype("datetime64[Y]").astype(np.int64) + 1970) * 10000
           + (month_start.astype(np.int64) % 12 + 1) * 100
           + (dates - month_start).astype(np.int64) + 1)
    first17 = region * 10**11 + ymd * 1000 + seq
    digits = (first17[:, None] // 10 ** np.arange(16, -1, -1, dtype=np.int64)) % 10
    numbers = np.char.add(first17.astype(str), CHECK[(digits @ WEIGHTS) % 11])
    genders = np.where(seq % 2 == 1, "M", "F")
    return numbers.tolist(), dates.astype(str).tolist(), genders.tolist()


def id_hasher() -> Callable[[Iterable[str]], list[str]]:
    """core.pii.blind_index("id_number", …) for already normalised numbers, minus the per-call
    key setup: HMAC-SHA256 of b"id_number:<number>" under PII_HASH_KEY, hex."""
    from django.conf import settings

    from gongzhi.core.pii import blind_index

    base = hmac.new(settings.PII_HASH_KEY.encode(), digestmod=hashlib.sha256)

    def one(number: str) -> str:
        h = base.copy()
        h.update(b"id_number:" + number.encode())
        return h.hexdigest()

    sample = id_numbers(np.array([0, 12345]))[0]
    assert [one(n) for n in sample] == [blind_index("id_number", n) for n in sample]
    return lambda numbers: [one(n) for n in numbers]


def names(rng: np.random.Generator, n: int) -> list[str]:
    surname = np.array(list(SURNAMES))[rng.integers(0, len(SURNAMES), n)]
    given = np.array(list(GIVEN))
    one = given[rng.integers(0, len(GIVEN), n)]
    two = np.where(rng.random(n) < 0.7, given[rng.integers(0, len(GIVEN), n)], "")
    return np.char.add(np.char.add(surname, one), two).tolist()


def build_district(streets: int = 10, communities: int = 10, grids: int = 10) -> list[tuple[int, str]]:
    """长沙市 4301 → 岳麓区 430104 → streets → communities → grids; returns the grids (id, path)."""
    from gongzhi.areas.models import Area, GridLayer, Level

    layer = GridLayer.objects.create(code="quanke", name="全科网格", is_authoritative=True)
    city = Area.objects.create(code="430100000000", path="4301", name="长沙市", level=Level.CITY)
    district = Area.objects.create(code="430104000000", path="430104", name="岳麓区", level=Level.DISTRICT,
                                   parent=city)
    for s in range(1, streets + 1):
        street = Area.objects.create(code=f"430104{s:03d}000", path=f"430104{s:03d}", name=f"第{s}街道",
                                     level=Level.STREET, parent=district)
        comms = Area.objects.bulk_create([
            Area(code=f"{street.path}{c:03d}", path=f"{street.path}{c:03d}", name=f"第{s}街道第{c}社区",
                 level=Level.COMMUNITY, parent=street) for c in range(1, communities + 1)])
        Area.objects.bulk_create([
            Area(code=f"{m.path}{g:03d}", path=f"{m.path}{g:03d}", name=f"{m.name}第{g}网格",
                 level=Level.GRID, parent_id=m.pk, layer=layer) for m in comms for g in range(1, grids + 1)])
    return list(Area.objects.filter(level=Level.GRID).order_by("path").values_list("id", "path"))


# --- bulk loading ----------------------------------------------------------------------------


def dummy_ciphertext(kind: str) -> str:
    """One real token of a placeholder, shared by every bulk row: decrypts, but to no one's data."""
    from gongzhi.core.pii import encrypt

    return encrypt({"id_number": DUMMY_ID, "phone": "00000000000"}.get(kind, "-"))


class Loader:
    """Bulk rows into one model's table, every column filled: the varying ones from lists, the
    others from ``constants`` or the field's default (a NOT NULL column with neither fails
    with its name). Secondary indexes are dropped by :meth:`drop_indexes` and rebuilt by
    :meth:`rebuild_indexes` from the definitions migrate created."""

    def __init__(self, model: Any, constants: dict[str, Any] | None = None) -> None:
        from django.db import connection

        self.model, self.conn = model, connection
        self.table = model._meta.db_table
        self.fields = list(model._meta.concrete_fields)
        self.constants = {"updated_at": datetime(2026, 1, 1, tzinfo=UTC), **(constants or {})}
        self.indexes: list[tuple[str, str]] = []

    def _constant(self, field: Any) -> Any:
        if field.attname in self.constants:
            return self.constants[field.attname]
        value = field.get_default()
        if value is None and not field.null:
            raise ValueError(f"{self.table}.{field.column}: no value for a NOT NULL column")
        return value

    def write(self, columns: dict[str, Sequence[Any]]) -> int:
        n = len(next(iter(columns.values())))
        cols = [self.conn.ops.quote_name(f.column) for f in self.fields]
        values = [columns[f.attname] if f.attname in columns else repeat(self._constant(f), n) for f in self.fields]
        if self.conn.vendor == "postgresql":
            text = [list(map(_copy_text, v)) if f.attname in columns else repeat(_copy_text(self._constant(f)), n)
                    for f, v in zip(self.fields, values, strict=True)]
            block = "\n".join(map("\t".join, zip(*text, strict=False))) + "\n"
            with self.conn.connection.cursor() as cur, cur.copy(
                    f"COPY {self.table} ({', '.join(cols)}) FROM STDIN") as copy:
                copy.write(block)
        else:
            marks = ", ".join("?" * len(cols))
            self.conn.connection.executemany(
                f"INSERT INTO {self.table} ({', '.join(cols)}) VALUES ({marks})",
                zip(*[map(_sqlite_value, v) for v in values], strict=False))
        return n

    def drop_indexes(self) -> None:
        with self.conn.cursor() as cur:
            if self.conn.vendor == "postgresql":
                cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
                            "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
                            [self.table, self.table])
            else:
                cur.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                            "AND sql IS NOT NULL", [self.table])
            self.indexes = list(cur.fetchall())
            for name, _sql in self.indexes:
                cur.execute(f'DROP INDEX "{name}"')

    def rebuild_indexes(self) -> None:
        with self.conn.cursor() as cur:
            for _name, sql in self.indexes:
                cur.execute(sql)

    def finish(self) -> None:
        from django.core.management.color import no_style

        with self.conn.cursor() as cur:
            for sql in self.conn.ops.sequence_reset_sql(no_style(), [self.model]):
                cur.execute(sql)


def _copy_text(value: Any) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(" ")
    return value


def bulk_session() -> Callable[[], None]:
    """Load-time settings for this connection; returns the function that restores them."""
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # Skip the deferred FK triggers (20 M queued events); rows point at rows we made.
            cur.execute("SET session_replication_role = replica")
            cur.execute("SET maintenance_work_mem = '1GB'")
        else:
            cur.execute("PRAGMA foreign_keys = OFF")
            cur.execute("PRAGMA synchronous = OFF")

    def restore() -> None:
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                cur.execute("SET session_replication_role = origin")
            else:
                cur.execute("PRAGMA foreign_keys = ON")
                cur.execute("PRAGMA synchronous = NORMAL")

    return restore


def analyze(tables: Iterable[str]) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        for t in tables:
            cur.execute(f"VACUUM ANALYZE {t}" if connection.vendor == "postgresql" else f"ANALYZE {t}")


def table_bytes(table: str) -> tuple[int, int]:
    """(heap, heap + indexes) bytes."""
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT pg_relation_size(%s), pg_total_relation_size(%s)", [table, table])
            heap, total = cur.fetchone()
            return int(heap), int(total)
        cur.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s", [table])
        names = [table, *(r[0] for r in cur.fetchall())]
        try:
            cur.execute(f"SELECT name, SUM(pgsize) FROM dbstat WHERE name IN ({', '.join(['%s'] * len(names))}) "
                        "GROUP BY name", names)
            sizes = dict(cur.fetchall())
        except Exception:  # dbstat not compiled in: the whole file then
            cur.execute("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
            whole = int(cur.fetchone()[0])
            return whole, whole
        return int(sizes.get(table, 0)), int(sum(sizes.values()))


def load_people(n: int, grids: list[tuple[int, str]], *, batch: int = 250_000,
                extra: Callable[[np.ndarray, dict[str, Any]], None] | None = None) -> dict[str, float]:
    """``n`` bulk people spread evenly over ``grids`` (ids 1…n); ``extra`` may add columns to
    each batch's dict from the batch's index array. Returns timings in seconds."""
    from django.db import transaction

    from gongzhi.registry.models import Person

    loader = Loader(Person, {"id_number": dummy_ciphertext("id_number")})
    hasher = id_hasher()
    rng = np.random.default_rng(11)
    grid_ids = np.array([g[0] for g in grids])
    grid_paths = np.array([g[1] for g in grids])
    restore = bulk_session()
    t0 = time.perf_counter()
    loader.drop_indexes()
    for start in range(0, n, batch):
        with transaction.atomic():
            index = np.arange(start, min(start + batch, n))
            numbers, births, genders = id_numbers(index)
            where = index % len(grids)
            columns: dict[str, Any] = {
                "id": (index + 1).tolist(), "grid_id": grid_ids[where].tolist(),
                "area_path": grid_paths[where].tolist(), "name": names(rng, len(index)),
                "id_number_hash": hasher(numbers), "birth_date": births, "gender": genders,
            }
            if extra is not None:
                extra(index, columns)
            loader.write(columns)
    t1 = time.perf_counter()
    loader.rebuild_indexes()
    loader.finish()
    t2 = time.perf_counter()
    restore()
    analyze(["registry_person"])
    return {"copy": t1 - t0, "indexes": t2 - t1, "analyze": time.perf_counter() - t2}


# --- the benchmark ---------------------------------------------------------------------------


def model_people(grids: list[tuple[int, str]], first_index: int, count: int) -> list[str]:
    """``count`` people written by the model (real ciphertext); returns their ID numbers."""
    from gongzhi.areas.models import Area
    from gongzhi.registry.models import Person
    from gongzhi.registry.services import check_person

    numbers = id_numbers(np.arange(first_index, first_index + count))[0]
    rng = random.Random(3)
    areas = {a.pk: a for a in Area.objects.filter(pk__in=[g[0] for g in grids])}
    rows = []
    for number in numbers:
        grid = areas[rng.choice(grids)[0]]
        fields = check_person(name=rng.choice(SURNAMES) + rng.choice(GIVEN), id_number=number)
        rows.append(Person(grid=grid, area_path=grid.path, **fields.__dict__))
    Person.objects.bulk_create(rows, batch_size=500)
    return numbers


def plan_index(qs: Any) -> str:
    plan = qs.explain()
    for name in ("id_number_hash", "area_path"):  # the unique index on the hash, or a scope range scan
        if name in plan:
            return name
    return "none"


def timed(label: str, numbers: list[str], run: Callable[[str], int], expect: Callable[[int], bool],
          plan: str = "id_number_hash") -> None:
    if plan != "id_number_hash":
        numbers = numbers[:5]  # each one scans a subtree (seconds at 2 M): a few show it
    samples, found = [], 0
    for number in numbers:
        t = time.perf_counter()
        n = run(number)
        samples.append((time.perf_counter() - t) * 1000)
        assert expect(n), (label, number, n)
        found += n
    print(f"{label}.searches {len(numbers)} count")
    print(f"{label}.found {found} count")
    print(f"{label}.p50 {statistics.median(samples):.2f} ms")
    print(f"{label}.p95 {p95(samples):.2f} ms")
    print(f"{label}.max {max(samples):.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=0, help="bulk people (default 20 M on PostgreSQL, 2 M on SQLite)")
    parser.add_argument("--searches", type=int, default=1000)
    args = parser.parse_args()
    vendor = setup_django("registry-search")
    people = args.people or (20_000_000 if vendor == "postgresql" else 2_000_000)
    from django.db.models import Q
    from tests.builders import make_user

    from gongzhi.core import access
    from gongzhi.core.access import Role
    from gongzhi.core.pii import hash_field_value
    from gongzhi.registry.models import Person
    from gongzhi.registry.selectors import search_people

    name = f"registry_search.{vendor}"
    grids = build_district()
    from gongzhi.areas.models import Area

    leader = make_user("bench_leader", Role.LEADER, Area.objects.get(path="430104"))
    street_path = "430104001"
    dispatcher = make_user("bench_dispatcher", Role.STREET_DISPATCHER, Area.objects.get(path=street_path))
    t0 = time.perf_counter()
    times = load_people(people, grids)
    print(f"{name}.bulk_rows {people} count")
    print(f"{name}.grids {len(grids)} count")
    print(f"{name}.bulk_ciphertext fixed-dummy-token note")
    print(f"{name}.load_copy_seconds {times['copy']:.1f} s")
    print(f"{name}.load_index_seconds {times['indexes']:.1f} s")
    print(f"{name}.load_analyze_seconds {times['analyze']:.1f} s")
    print(f"{name}.load_rows_per_second {people / (times['copy'] + times['indexes']):.0f} rows/s")
    searched = model_people(grids, people, args.searches)
    print(f"{name}.model_written_rows {len(searched)} count")
    print(f"{name}.load_total_seconds {time.perf_counter() - t0:.1f} s")
    heap, total = table_bytes("registry_person")
    print(f"{name}.table_rows {Person.objects.count()} count")
    print(f"{name}.table_heap {heap / 2**20:.0f} MiB")
    print(f"{name}.table_with_indexes {total / 2**20:.0f} MiB")

    rng = random.Random(5)
    rng.shuffle(searched)
    bulk = id_numbers(np.array(rng.sample(range(people), min(args.searches, people))))[0]
    absent = id_numbers(np.arange(people + args.searches + 10, people + args.searches + 110))[0]

    def via_selector(user: Any, path: str) -> Callable[[str], int]:
        def run(number: str) -> int:
            rows = list(search_people(user, path, number))
            # Model-written rows decrypt to their own number, bulk rows to the placeholder.
            assert all(r.id_number.reveal() in (number, DUMMY_ID) for r in rows)
            return len(rows)
        return run

    def raw(user: Any, extra: Q) -> Callable[[str], int]:
        def run(number: str) -> int:
            h = hash_field_value("id_number", number)
            qs = Person.objects.filter(access.scope_q(user, access.VIEW, "registry"), extra, id_number_hash=h)
            return len(list(qs))
        return run

    one = hash_field_value("id_number", searched[0])
    scope = access.scope_q(dispatcher, access.VIEW, "registry")
    plans = {
        "search_people": plan_index(search_people(leader, "430104", searched[0])),
        "raw_scoped": plan_index(Person.objects.filter(scope, id_number_hash=one)),
    }
    for label, plan in plans.items():
        print(f"{name}.plan.{label} {plan} index")

    def run_all(prefix: str, plan: str, rows: Callable[[str], int], absent_rows: Callable[[str], int],
                *, scoped: bool) -> None:
        found: Callable[[int], bool] = (lambda n: n in (0, 1)) if scoped else (lambda n: n == 1)
        timed(f"{prefix}.model_rows", searched, rows, found, plan)
        if not scoped:
            timed(f"{prefix}.bulk_rows", bulk, rows, found, plan)
        timed(f"{prefix}.absent", absent, absent_rows, lambda n: n == 0, plan)

    district = via_selector(leader, "430104")
    run_all(f"{name}.search_people.district_leader", plans["search_people"], district, district, scoped=False)
    street = via_selector(dispatcher, street_path)
    run_all(f"{name}.search_people.street_dispatcher", plans["search_people"], street, street, scoped=True)
    bare = raw(dispatcher, Q())
    run_all(f"{name}.raw_scoped.street_dispatcher", plans["raw_scoped"], bare, bare, scoped=True)

if __name__ == "__main__":
    main()
