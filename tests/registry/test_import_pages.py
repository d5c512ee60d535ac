"""The 台账导入 page flow with the test client: upload → mapping → report → import valid rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from gongzhi.accounts.models import User
from gongzhi.core.access import Role
from gongzhi.registry.models import ImportJob, ImportStatus, Person
from tests.builders import PASSWORD
from tests.registry.test_import import (
    PEOPLE_HEADERS,
    bad_id,
    generated,
    person_row,
    world,
    write_xlsx,
)

__all__ = ["world"]  # the fixture, shared with the engine tests


@pytest.fixture
def client_in(world: dict[str, Any], client: Client, settings: Any, tmp_path: Path) -> Client:
    settings.MEDIA_ROOT = tmp_path / "media"
    assert client.login(username=world["community"].username, password=PASSWORD)
    return client


def upload(client: Client, path: Path, kind: str = "people") -> Any:
    with path.open("rb") as f:
        return client.post("/registry/import/", {"kind": kind, "file": f})


def test_upload_mapping_report_and_valid_rows(client_in: Client, tmp_path: Path) -> None:
    people = generated(12)
    rows = [person_row(p, room=str(i)) for i, p in enumerate(people)]
    rows[2][1] = bad_id(people[2])
    headers = [*PEOPLE_HEADERS]
    headers[0] = "人名"  # not recognised: the user maps it on the page
    resp = upload(client_in, write_xlsx(tmp_path / "麓山南路人员.xlsx", headers, rows))
    assert resp.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.MAPPING
    assert job.mapping["公民身份号码"] == "id_number"
    assert "人名" not in job.mapping
    page = client_in.get(resp["Location"])
    assert page.status_code == 200
    assert "确认表头" in page.content.decode()
    assert 'name="map-0"' in page.content.decode()
    form = {f"map-{i}": job.mapping.get(h, "") for i, h in enumerate(job.headers)}
    bad = client_in.post(f"/registry/import/{job.pk}/mapping/", form)
    assert bad.status_code == 400
    assert "缺少必填列：姓名" in bad.content.decode()
    form["map-0"] = "name"
    resp = client_in.post(f"/registry/import/{job.pk}/mapping/", form)
    assert resp.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.valid, job.rejected) == (ImportStatus.VALIDATED, 11, 1)
    assert Person.objects.count() == 0
    page = client_in.get(f"/registry/import/{job.pk}/").content.decode()
    assert "校验位错误" in page
    assert "仅导入有效行" in page
    assert "全部导入（如有错误则不导入）" in page
    assert people[2].id_number not in page  # masked in the problem list
    report = client_in.get(f"/registry/import/{job.pk}/report.xlsx")
    assert report.status_code == 200
    assert b"".join(report.streaming_content)[:2] == b"PK"
    # the default path writes nothing while rows are bad
    client_in.post(f"/registry/import/{job.pk}/run/", {"mode": "all"})
    job.refresh_from_db()
    assert job.status == ImportStatus.REFUSED
    assert Person.objects.count() == 0
    job.status = ImportStatus.VALIDATED
    job.save()
    client_in.post(f"/registry/import/{job.pk}/run/", {"mode": "valid"})
    job.refresh_from_db()
    assert (job.status, job.written) == (ImportStatus.DONE, 11)
    assert Person.objects.count() == 11
    assert "已导入 11 行" in client_in.get(f"/registry/import/{job.pk}/").content.decode()


def test_bad_file_gives_400_and_others_cannot_see_a_job(client_in: Client, tmp_path: Path,
                                                        role_users: dict[str, User]) -> None:
    broken = tmp_path / "台账.xlsx"
    broken.write_bytes(b"PK\x03\x04 broken")
    resp = upload(client_in, broken)
    assert resp.status_code == 400
    assert "已损坏" in resp.content.decode()
    assert not ImportJob.objects.exists()
    txt = tmp_path / "台账.docx"
    txt.write_bytes(b"hello")
    assert upload(client_in, txt).status_code == 400
    people = generated(1)
    upload(client_in, write_xlsx(tmp_path / "ok.xlsx", PEOPLE_HEADERS, [person_row(people[0])]))
    job = ImportJob.objects.get()
    other = Client()
    other.login(username=role_users[Role.GRID_WORKER].username, password=PASSWORD)
    assert other.get(f"/registry/import/{job.pk}/").status_code == 404
    reader = Client()
    reader.login(username=role_users[Role.DATA_READER].username, password=PASSWORD)
    assert reader.get("/registry/import/").status_code == 403  # reading the registry is not changing it


def test_progress_fragment_polls_while_running_and_refreshes_when_done(client_in: Client, tmp_path: Path) -> None:
    upload(client_in, write_xlsx(tmp_path / "ok.xlsx", PEOPLE_HEADERS, [person_row(generated(1)[0])]))
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.IMPORTING, total_rows=200, processed=50)
    frag = client_in.get(f"/registry/import/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in frag.content.decode()
    assert 'value="25"' in frag.content.decode()
    page = client_in.get(f"/registry/import/{job.pk}/").content.decode()
    assert "htmx.min.js" in page
    assert "import-progress" in page
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.DONE)
    done = client_in.get(f"/registry/import/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert done.headers.get("HX-Refresh") == "true"
