"""The import's one pass in one transaction: a bad row or a crash after batches were written
leaves nothing; checking goes on after the first bad row; rows checked in forked processes give
the same registry as in one; the page's counts come from the progress file while a job runs."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest

from gongzhi.registry import importing
from gongzhi.registry.importing import Progress, import_file
from gongzhi.registry.models import House, Household, ImportJob, ImportStatus, Person, Residence
from tests.registry.test_import import (
    PEOPLE_HEADERS,
    TODAY,
    bad_id,
    generated,
    person_row,
    world,
    write_xlsx,
)

__all__ = ["world"]  # the fixture, shared with the engine's tests
BATCH = 50


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "BATCH_SIZE", BATCH)


def ledger(tmp_path: Path, n: int, name: str = "人员.xlsx", bad: tuple[int, ...] = ()) -> Path:
    people = generated(n, seed=11)
    rows = [person_row(p, room=str(1000 + i // 3)) for i, p in enumerate(people)]
    for i in bad:
        rows[i][1] = bad_id(people[i])
    return write_xlsx(tmp_path / name, PEOPLE_HEADERS, rows)


def registry() -> dict[str, Any]:
    return {
        "people": sorted(Person.objects.values_list("id_number_hash", "name", "phone_hash", "gender", "birth_date",
                                                    "household__number", "relation", "area_path")),
        "households": sorted(Household.objects.values_list("number", "house__room", "head__id_number_hash")),
        "residences": sorted(Residence.objects.values_list("person__id_number_hash", "house__room", "since", "until")),
    }


@pytest.mark.usefixtures("small_batches")
def test_a_bad_row_after_written_batches_rolls_them_back_and_every_later_row_is_still_checked(
        world: dict[str, Any], tmp_path: Path) -> None:
    written_batches: list[int] = []
    result = import_file(ledger(tmp_path, 4 * BATCH, bad=(3 * BATCH + 5, 3 * BATCH + 30)), "people",
                         world["community"], today=TODAY,
                         progress=lambda p: written_batches.append(p.written))
    assert result.refused
    assert (result.total, result.valid, result.rejected, result.written) == (4 * BATCH, 4 * BATCH - 2, 2, 0)
    # Three batches went to the database before the bad row's batch came; then writing stopped.
    assert written_batches == [BATCH, 2 * BATCH, 3 * BATCH, 3 * BATCH]
    assert [p.row for p in result.problems] == [3 * BATCH + 7, 3 * BATCH + 32]  # header is row 1
    assert (Person.objects.count(), House.objects.count(), Household.objects.count(), Residence.objects.count()) == \
        (0, 0, 0, 0)


@pytest.mark.usefixtures("small_batches")
def test_a_crash_half_way_leaves_nothing(world: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = importing.PeopleHandler.write_batch
    calls = []

    def failing(self: importing.PeopleHandler, records: list[importing.Record]) -> int:
        calls.append(len(records))
        if len(calls) == 3:
            raise OSError("disk full")
        return real(self, records)

    monkeypatch.setattr(importing.PeopleHandler, "write_batch", failing)
    with pytest.raises(OSError, match="disk full"):
        import_file(ledger(tmp_path, 4 * BATCH), "people", world["community"], today=TODAY)
    assert calls == [BATCH, BATCH, BATCH]
    assert Person.objects.count() == 0
    assert Residence.objects.count() == 0


@pytest.mark.usefixtures("small_batches")
@pytest.mark.parametrize("bad", [(), (7, 160)])
def test_rows_checked_in_forked_processes_give_the_same_registry_and_report(
        world: dict[str, Any], tmp_path: Path, bad: tuple[int, ...]) -> None:
    f = ledger(tmp_path, 5 * BATCH + 17, bad=bad)
    one = import_file(f, "people", world["community"], today=TODAY, valid_rows=True, workers=1)
    alone = registry()
    Residence.objects.all().delete()
    Person.objects.all().delete()
    Household.objects.all().delete()
    House.objects.all().delete()
    forked = import_file(f, "people", world["community"], today=TODAY, valid_rows=True, workers=2)
    assert (forked.total, forked.valid, forked.rejected, forked.written) == \
        (one.total, one.valid, one.rejected, one.written) == (5 * BATCH + 17, 5 * BATCH + 17 - len(bad), len(bad),
                                                             5 * BATCH + 17 - len(bad))
    assert forked.problems == one.problems
    assert registry() == alone
    assert len(alone["people"]) == 5 * BATCH + 17 - len(bad)
    # This process's connection survived the checkers' exit: it still reads and writes.
    Person.objects.filter(name=alone["people"][0][1]).update(name="仍可写")
    assert Person.objects.filter(name="仍可写").exists()


def test_the_page_reads_a_running_jobs_counts_from_its_progress_file(world: dict[str, Any], tmp_path: Path) -> None:
    f = ledger(tmp_path, 12)
    job = ImportJob.objects.create(kind="people", file_name="人员.xlsx", file_path=str(f),
                                   uploaded_by=world["community"], headers=PEOPLE_HEADERS,
                                   mapping=importing.check_mapping("people", PEOPLE_HEADERS),
                                   status=ImportStatus.IMPORTING)
    importing._job_progress(job)(Progress("write", 8, 12, 8, 0, 6))
    shown = importing.with_live_counts(ImportJob.objects.get(pk=job.pk))
    assert (shown.processed, shown.total_rows, shown.valid, shown.written) == (8, 12, 8, 6)
    assert ImportJob.objects.get(pk=job.pk).processed == 0  # the row itself waits for the end
    done = importing.run_job(job.pk, write=True)
    assert done.message == ""
    assert (done.status, done.processed, done.written) == (ImportStatus.DONE, 12, 12)
    assert not importing.progress_path(job).exists()
    assert importing.with_live_counts(done).written == 12


@pytest.mark.usefixtures("small_batches")
def test_a_file_that_breaks_half_way_in_the_reading_process_refuses_the_import(
        world: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = importing._Run._raw_batches

    def breaking(self: importing._Run) -> Any:
        for i, batch in enumerate(real(self)):
            if i == 3:
                raise importing.ImportFileError("文件已损坏，无法读取（truncated）")
            yield batch

    monkeypatch.setattr(importing._Run, "_raw_batches", breaking)
    with pytest.raises(importing.ImportFileError, match="truncated"):
        import_file(ledger(tmp_path, 5 * BATCH), "people", world["community"], today=TODAY, workers=2)
    assert Person.objects.count() == 0
    assert not multiprocessing.active_children()


@pytest.mark.usefixtures("small_batches")
def test_a_checker_that_fails_stops_the_import_and_leaves_nothing(
        world: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = importing.PeopleHandler.parse

    def failing(self: importing.PeopleHandler, row: int, cells: dict[str, Any]) -> importing.Record:
        if row == 4 * BATCH:
            raise ZeroDivisionError("a bug in a check")
        return real(self, row, cells)

    monkeypatch.setattr(importing.PeopleHandler, "parse", failing)
    with pytest.raises(ZeroDivisionError, match="a bug in a check"):
        import_file(ledger(tmp_path, 5 * BATCH), "people", world["community"], today=TODAY, workers=2)
    assert Person.objects.count() == 0
    assert not multiprocessing.active_children()
