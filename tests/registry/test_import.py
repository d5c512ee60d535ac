"""The Excel 台账 import engine on real xlsx/csv files: mapping, row checks, all-or-nothing,
valid rows only, idempotent re-import, residence history, scope, key-group fields."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import python_calamine
import xlsxwriter

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.core.access import Role
from gongzhi.core.idcard import id_check_char
from gongzhi.core.models import AuditEvent
from gongzhi.core.pii import hash_field_value
from gongzhi.demo.people import RELATION_LABELS, RESIDENCY_LABELS, GeneratedPerson, PeopleGenerator
from gongzhi.registry.importing import (
    NUMERIC_ID,
    ImportFileError,
    MappingError,
    RowError,
    check_credit_code,
    import_file,
    validate_file,
)
from gongzhi.registry.models import (
    Building,
    House,
    Household,
    Organisation,
    Person,
    PersonTag,
    Residence,
    TagType,
    address_key,
)
from gongzhi.registry.tags import decode_values, load_default_tag_types

GRID1 = "430104002014001"  # 麓山南路社区第1网格
GRID2 = "430104002014002"
OTHER_COMMUNITY_GRID = "430104002001001"  # 枇杷塘社区第1网格: outside the community worker's area
TODAY = date(2026, 6, 1)
PEOPLE_HEADERS = ["姓名", "公民身份号码", "手机号", "性别", "民族", "人口类型", "户籍地址", "所属网格", "楼栋地址",
                  "单元", "房号", "户号", "与户主关系", "入住日期", "重点人群"]


def write_xlsx(path: Path, headers: Sequence[Any], rows: Sequence[Sequence[Any]], *, title: str | None = None) -> Path:
    """A real workbook; ID numbers written as text (write_string) unless a test wants a number."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("台账")
    start = 0
    if title:
        sheet.write(0, 0, title)  # a title row above the headers, as many ledgers have
        start = 2
    sheet.write_row(start, 0, headers)
    for i, row in enumerate(rows, start=start + 1):
        for j, value in enumerate(row):
            if isinstance(value, str):
                sheet.write_string(i, j, value)
            elif value is not None:
                sheet.write(i, j, value)
    book.close()
    return path


def person_row(p: GeneratedPerson, *, grid: str = GRID1, building: str = "麓山南路1栋", unit: str = "1",
               room: str = "101", tags: str = "") -> list[Any]:
    return [p.name, p.id_number, p.phone, p.gender_label, p.ethnicity, RESIDENCY_LABELS[p.residency],
            p.registered_address, grid, building, unit, room, p.household_number, RELATION_LABELS[p.relation],
            "2024-03-01", tags]


def generated(n: int, seed: int = 7) -> list[GeneratedPerson]:
    return list(PeopleGenerator(seed, today=TODAY).people(n))


def bad_id(p: GeneratedPerson) -> str:
    wrong = "0" if p.id_number[-1] != "0" else "1"
    return p.id_number[:17] + wrong


@pytest.fixture
def world(tree: dict[str, Area], role_users: dict[str, User]) -> dict[str, Any]:
    load_default_tag_types()
    for path, addr in ((GRID1, "麓山南路1栋"), (GRID1, "麓山南路2栋"), (GRID2, "麓山南路9栋"),
                       (OTHER_COMMUNITY_GRID, "枇杷塘1栋")):
        Building.objects.create(grid=tree[path], name=addr[-2:], address=addr)
    return {"tree": tree, "community": role_users[Role.COMMUNITY_WORKER], "grid": role_users[Role.GRID_WORKER]}


def run(path: Path, kind: str, user: User, **kw: Any) -> Any:
    return import_file(path, kind, user, today=TODAY, **kw)


def test_people_import_writes_people_households_houses_and_residences(world: dict[str, Any], tmp_path: Path) -> None:
    people = generated(30)
    f = write_xlsx(tmp_path / "人员.xlsx", PEOPLE_HEADERS,
                   [person_row(p, room=f"{100 + i // 3}") for i, p in enumerate(people)], title="麓山南路社区实有人口台账")
    result = run(f, "people", world["community"])
    assert (result.total, result.valid, result.rejected, result.written) == (30, 30, 0, 30)
    assert Person.objects.count() == 30
    p0 = Person.objects.get(id_number_hash=hash_field_value("id_number", people[0].id_number))
    assert p0.name == people[0].name
    assert p0.id_number.reveal() == people[0].id_number
    assert p0.phone.reveal() == people[0].phone
    assert p0.area_path == GRID1
    assert p0.birth_date == people[0].birth_date
    assert Household.objects.filter(number=people[0].household_number, head=p0).exists()
    assert House.objects.filter(building__address="麓山南路1栋", area_path=GRID1).count() == 10
    assert Residence.objects.filter(until__isnull=True).count() == 30
    assert Residence.objects.filter(person=p0).get().since == date(2024, 3, 1)
    event = AuditEvent.objects.get(action="registry.import")
    assert event.data["kind"] == "people"
    assert event.data["written"] == 30
    assert event.data["file"] == "人员.xlsx"


def test_missing_required_columns_are_named_and_nothing_imported(world: dict[str, Any], tmp_path: Path) -> None:
    p = generated(1)[0]
    f = write_xlsx(tmp_path / "缺列.xlsx", ["名字", "电话"], [[p.name, p.phone]])
    with pytest.raises(MappingError, match="缺少必填列：身份证号、所属网格"):
        run(f, "people", world["community"])
    assert Person.objects.count() == 0


def test_three_bad_ids_named_with_rows_and_rules_and_all_or_nothing_writes_nothing(
        world: dict[str, Any], tmp_path: Path) -> None:
    people = generated(100)
    rows = [person_row(p, room=str(200 + i)) for i, p in enumerate(people)]
    rows[9][1] = bad_id(people[9])  # Excel row 11 (header is row 1)
    rows[49][1] = people[49].id_number[:15]  # row 51: too short
    rows[79][1] = "99" + people[79].id_number[2:]  # row 81: no such province
    report = tmp_path / "错误报告.xlsx"
    result = run(write_xlsx(tmp_path / "人员.xlsx", PEOPLE_HEADERS, rows), "people", world["community"],
                 report_path=str(report))
    assert result.refused
    assert result.written == 0
    assert result.rejected == 3
    assert result.valid == 97
    assert [(p.row, p.column) for p in result.problems] == [(11, "公民身份号码"), (51, "公民身份号码"), (81, "公民身份号码")]
    assert "校验位错误" in result.problems[0].rule
    assert "长度应为18位" in result.problems[1].rule
    assert "地区码无效" in result.problems[2].rule
    assert Person.objects.count() == 0
    assert House.objects.count() == 0
    sheet = python_calamine.CalamineWorkbook.from_path(str(report)).get_sheet_by_index(0).to_python()
    assert sheet[0] == ["行号", "列", "值", "问题"]
    assert [r[0] for r in sheet[1:]] == [11.0, 51.0, 81.0]
    # The report masks ID numbers: never the full number in a file that gets mailed around.
    assert people[9].id_number[6:14] not in str(sheet)
    assert sheet[1][2].startswith(people[9].id_number[:3])


def test_valid_rows_writes_the_rest_and_reimport_of_corrected_file_updates(world: dict[str, Any], tmp_path: Path) -> None:
    people = generated(60)
    rows = [person_row(p, room=str(300 + i)) for i, p in enumerate(people)]
    good = [list(r) for r in rows]
    rows[4][1] = bad_id(people[4])
    rows[20][2] = "1380013800"  # 10-digit phone
    rows[33][13] = "2024-02-30"  # no such date
    f = write_xlsx(tmp_path / "人员.xlsx", PEOPLE_HEADERS, rows)
    result = run(f, "people", world["community"], valid_rows=True)
    assert (result.rejected, result.written, result.refused) == (3, 57, False)
    assert {(p.row, p.column) for p in result.problems} == {(6, "公民身份号码"), (22, "手机号"), (35, "入住日期")}
    assert Person.objects.count() == 57
    # the corrected file, with one name changed: updates, no duplicates
    good[0][0] = "改名测试"
    result = run(write_xlsx(tmp_path / "人员2.xlsx", PEOPLE_HEADERS, good), "people", world["community"])
    assert (result.rejected, result.written) == (0, 60)
    assert Person.objects.count() == 60
    assert Household.objects.count() == len({p.household_number for p in people})
    assert Person.objects.filter(name="改名测试").count() == 1
    assert Residence.objects.count() == 60
    assert House.objects.count() == 60
    again = run(write_xlsx(tmp_path / "人员3.xlsx", PEOPLE_HEADERS, good), "people", world["community"])
    assert again.written == 60
    assert Person.objects.count() == 60
    assert Residence.objects.count() == 60


def test_duplicate_ids_in_one_file_name_both_rows(world: dict[str, Any], tmp_path: Path) -> None:
    people = generated(5)
    rows = [person_row(p, room=str(i)) for i, p in enumerate(people)] + [person_row(people[1], room="9")]
    result = run(write_xlsx(tmp_path / "重复.xlsx", PEOPLE_HEADERS, rows), "people", world["community"])
    assert result.refused
    assert [(p.row, p.rule) for p in result.problems] == [(7, "身份证号与第 3 行重复")]


def test_numeric_id_cell_is_detected_not_imported_wrong(world: dict[str, Any], tmp_path: Path) -> None:
    people = generated(3)
    rows = [person_row(p, room=str(i)) for i, p in enumerate(people)]
    rows[1][1] = float(people[1].id_number[:17] + "0") if people[1].id_number[-1] == "X" else int(people[1].id_number)
    result = run(write_xlsx(tmp_path / "数字.xlsx", PEOPLE_HEADERS, rows), "people", world["community"])
    assert result.refused
    assert result.problems[0].row == 3
    assert result.problems[0].rule == NUMERIC_ID
    # a phone stored as a number is exact (11 digits) and fine
    rows = [person_row(p, room=str(i)) for i, p in enumerate(people)]
    rows[0][2] = int(people[0].phone)
    assert run(write_xlsx(tmp_path / "电话.xlsx", PEOPLE_HEADERS, rows), "people", world["community"]).written == 3
    assert Person.objects.get(name=people[0].name).phone.reveal() == people[0].phone


def test_gbk_and_utf8_bom_csv(world: dict[str, Any], tmp_path: Path) -> None:
    people = generated(4)
    lines = [",".join(PEOPLE_HEADERS)] + [",".join(str(v) for v in person_row(p, room=str(i))) for i, p in enumerate(people)]
    gbk = tmp_path / "人员.csv"
    gbk.write_bytes("\r\n".join(lines).encode("gbk"))
    assert run(gbk, "people", world["community"]).written == 4
    assert Person.objects.filter(name=people[0].name, registered_address=people[0].registered_address).exists()
    bom = tmp_path / "人员bom.csv"
    lines[1] = lines[1].replace(people[0].name, "王小明", 1)
    bom.write_bytes("\ufeff".encode() + "\n".join(lines).encode("utf-8"))
    assert run(bom, "people", world["community"]).written == 4
    assert Person.objects.count() == 4
    assert Person.objects.filter(name="王小明").exists()


@pytest.mark.parametrize(("name", "content", "message"), [
    ("台账.xlsx", b"PK\x03\x04 not really a zip", "已损坏"),
    ("台账.pdf", b"%PDF-1.4", "不支持的文件格式"),
    ("空.csv", b"", "文件是空的"),
    ("二进制.csv", b"\x00\x01\x02\x03" * 10, "二进制"),
])
def test_wrong_or_corrupt_file_is_refused_clearly(world: dict[str, Any], tmp_path: Path, name: str,
                                                  content: bytes, message: str) -> None:
    f = tmp_path / name
    f.write_bytes(content)
    with pytest.raises(ImportFileError, match=message):
        run(f, "people", world["community"])


def test_empty_sheet_is_refused(world: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="工作表是空的"):
        run(write_xlsx(tmp_path / "空.xlsx", [], []), "people", world["community"])


def test_rows_outside_the_uploaders_area_are_refused_with_the_reason(world: dict[str, Any], tmp_path: Path) -> None:
    people = generated(3)
    rows = [person_row(people[0]), person_row(people[1], grid=OTHER_COMMUNITY_GRID, building="枇杷塘1栋"),
            person_row(people[2], grid="麓山南路社区第2网格", building="麓山南路9栋")]
    # a grid worker of 第1网格 may import only 第1网格
    result = run(write_xlsx(tmp_path / "人员.xlsx", PEOPLE_HEADERS, rows), "people", world["grid"], valid_rows=True)
    assert [(p.row, p.rule) for p in result.problems] == [
        (3, "「枇杷塘社区第1网格」不在您的管辖范围内，无权导入"), (4, "「麓山南路社区第2网格」不在您的管辖范围内，无权导入")]
    assert list(Person.objects.values_list("area_path", flat=True)) == [GRID1]
    # the community worker has both of 麓山南路社区's grids, not 枇杷塘社区's
    result = run(write_xlsx(tmp_path / "人员2.xlsx", PEOPLE_HEADERS, rows), "people", world["community"], valid_rows=True)
    assert [p.row for p in result.problems] == [3]
    assert Person.objects.count() == 2


def test_unknown_grid_building_and_tag_are_named(world: dict[str, Any], tmp_path: Path) -> None:
    people = generated(4)
    rows = [person_row(people[0], grid="不存在的网格"), person_row(people[1], building="火星1栋"),
            person_row(people[2], tags="独居老人、外星人"), person_row(people[3], grid="430104002014")]
    result = run(write_xlsx(tmp_path / "人员.xlsx", PEOPLE_HEADERS, rows), "people", world["community"])
    rules = {p.row: p.rule for p in result.problems}
    assert rules[2] == "未知网格「不存在的网格」"
    assert rules[3].startswith("「麓山南路社区第1网格」中没有楼栋「火星1栋」")
    assert rules[4] == "未知的重点人群类别「外星人」"
    assert "不是网格" in rules[5]


def test_people_tags_column_adds_tags_without_required_fields(world: dict[str, Any], tmp_path: Path) -> None:
    people = generated(2)
    rows = [person_row(people[0], tags="独居老人，流动人口"), person_row(people[1], tags="残疾人")]
    result = run(write_xlsx(tmp_path / "人员.xlsx", PEOPLE_HEADERS, rows), "people", world["community"], valid_rows=True)
    assert result.problems[0].row == 3
    assert "有必填字段" in result.problems[0].rule
    p0 = Person.objects.get(name=people[0].name)
    assert set(p0.tags.values_list("tag_type__name", flat=True)) == {"独居老人", "流动人口"}


def test_residence_history_kept_when_a_person_moves_between_imports(world: dict[str, Any], tmp_path: Path) -> None:
    p = generated(1)[0]
    run(write_xlsx(tmp_path / "a.xlsx", PEOPLE_HEADERS, [person_row(p, room="101")]), "people", world["community"])
    row = person_row(p, grid=GRID2, building="麓山南路9栋", room="502")
    row[13] = "2025-09-01"
    run(write_xlsx(tmp_path / "b.xlsx", PEOPLE_HEADERS, [row]), "people", world["community"])
    person = Person.objects.get()
    history = list(Residence.objects.filter(person=person).order_by("since").values_list(
        "house__room", "since", "until", "area_path"))
    assert history == [("101", date(2024, 3, 1), date(2025, 9, 1), GRID1), ("502", date(2025, 9, 1), None, GRID2)]
    assert person.area_path == GRID2


def test_tag_list_with_field_values_and_a_bad_choice_named(world: dict[str, Any], tmp_path: Path) -> None:
    people = generated(3)
    run(write_xlsx(tmp_path / "人员.xlsx", PEOPLE_HEADERS, [person_row(p, room=str(i)) for i, p in enumerate(people)]),
        "people", world["community"])
    headers = ["身份证号码", "重点人群类别", "残疾类别", "残疾等级", "走访周期（天）", "起始日期"]
    rows = [[people[0].id_number, "残疾人", "肢体残疾", "二级", None, "2023-01-05"],
            [people[1].id_number, "独居老人", None, None, 7, None],
            [people[2].id_number, "残疾人", "腿脚不便", "二级", None, None]]
    f = write_xlsx(tmp_path / "重点人群.xlsx", headers, rows)
    result = run(f, "tags", world["community"])
    assert result.refused
    assert [(p.row, p.column) for p in result.problems] == [(4, "残疾类别")]
    assert "应为 视力残疾/" in result.problems[0].rule
    assert "「腿脚不便」" in result.problems[0].rule
    result = run(f, "tags", world["community"], valid_rows=True)
    assert result.written == 2
    tag = PersonTag.objects.get(tag_type__code="disabled")
    assert decode_values(tag.values) == {"category": "肢体残疾", "level": "二级"}
    assert tag.since == date(2023, 1, 5)
    assert decode_values(PersonTag.objects.get(tag_type__code="living-alone-elderly").values) == {"visit_cycle_days": 7}
    rows[0][3] = "一级"  # re-import updates the tag, one per person and type
    run(write_xlsx(tmp_path / "重点人群2.xlsx", headers, rows[:2]), "tags", world["community"])
    assert PersonTag.objects.count() == 2
    assert decode_values(PersonTag.objects.get(tag_type__code="disabled").values)["level"] == "一级"


def test_tag_list_refuses_unregistered_people(world: dict[str, Any], tmp_path: Path) -> None:
    p = generated(1)[0]
    f = write_xlsx(tmp_path / "重点人群.xlsx", ["身份证号", "重点人群类别"], [[p.id_number, "独居老人"]])
    result = run(f, "tags", world["community"])
    assert result.problems[0].rule == "该身份证号的人员未登记，请先导入人员台账"


def test_buildings_houses_and_organisations_ledgers_are_idempotent(world: dict[str, Any], tmp_path: Path) -> None:
    bf = write_xlsx(tmp_path / "楼栋.xlsx", ["楼栋名称", "地址", "所属网格", "层数", "经度", "纬度"],
                    [["10栋", "麓山南路 10 栋", GRID1, 18, 112.905, 28.205],
                     ["11栋", "麓山南路11栋", "麓山南路社区第2网格", "6", None, None]])
    assert run(bf, "buildings", world["community"]).written == 2
    assert run(bf, "buildings", world["community"]).written == 2
    assert Building.objects.filter(address_key=address_key("麓山南路10栋")).get().floors == 18
    assert Building.objects.count() == 6
    hf = write_xlsx(tmp_path / "房屋.xlsx", ["楼栋地址", "单元", "房号", "楼层", "房屋用途", "建筑面积"],
                    [["麓山南路10栋", "1单元", "101", 1, "出租", 89.5], ["麓山南路10栋", "1", "102", 1, "自住", None],
                     ["麓山南路11栋", "2", "201", 2, "仓库", None]])
    result = run(hf, "houses", world["community"], valid_rows=True)
    assert result.written == 2
    assert "应为 自住/出租/空置/商用 之一" in result.problems[0].rule
    run(hf, "houses", world["community"], valid_rows=True)
    assert House.objects.count() == 2
    assert House.objects.get(room="101").use == "rented"
    assert House.objects.get(room="101").unit_no == "1"
    assert House.objects.get(room="101").area_path == GRID1
    of = write_xlsx(tmp_path / "组织.xlsx", ["单位名称", "类型", "统一社会信用代码", "地址", "所属网格", "负责人", "联系电话"],
                    [["麓山南路便利店", "商铺", "", "麓山南路10栋1楼", GRID1, "周强", "0731-88881234"],
                     ["示例科技有限公司", "企业", "91350100M000100Y43", "麓山南路11栋", GRID2, "吴敏", "13800138000"],
                     ["错码公司", "企业", "91350100M000100Y44", "麓山南路11栋", GRID2, "", ""]])
    result = run(of, "organisations", world["community"], valid_rows=True)
    assert result.written == 2
    assert result.problems[0].row == 4
    assert "校验位错误：应为 3" in result.problems[0].rule
    run(of, "organisations", world["community"], valid_rows=True)
    assert Organisation.objects.count() == 2
    org = Organisation.objects.get(credit_code="91350100M000100Y43")
    assert org.identity_key == "uscc:91350100M000100Y43"
    assert org.contact_phone.reveal() == "13800138000"


def test_credit_code_checksum() -> None:
    for code in ("91350100M000100Y43", "9144030071526726XG", "91330100716105852F"):
        assert check_credit_code(code) == code
    for bad in ("91350100M000100Y4", "91350100M000100YO3"):
        with pytest.raises(RowError, match="GB 32100"):
            check_credit_code(bad)


def test_cli_style_mapping_override_and_unknown_header(world: dict[str, Any], tmp_path: Path) -> None:
    p = generated(1)[0]
    f = write_xlsx(tmp_path / "人员.xlsx", ["人名", "证件", "网格"], [[p.name, p.id_number, GRID1]])
    with pytest.raises(MappingError, match="缺少必填列：姓名、身份证号"):
        validate_file(f, "people", world["community"])
    from gongzhi.registry.importing import check_mapping
    mapping = check_mapping("people", ["人名", "证件", "网格"], None, {"人名": "name", "证件": "id_number"})
    assert run(f, "people", world["community"], mapping=mapping).written == 1
    with pytest.raises(MappingError, match="文件中没有表头「住址」"):
        check_mapping("people", ["人名"], None, {"住址": "name"})


def test_validate_only_writes_nothing_and_id_checksums_agree(world: dict[str, Any], tmp_path: Path) -> None:
    people = generated(20)
    assert all(p.id_number[17] == id_check_char(p.id_number[:17]) for p in people)
    f = write_xlsx(tmp_path / "人员.xlsx", PEOPLE_HEADERS, [person_row(p, room=str(i)) for i, p in enumerate(people)])
    result = validate_file(f, "people", world["community"], today=TODAY)
    assert (result.valid, result.rejected) == (20, 0)
    assert Person.objects.count() == 0
    assert not TagType.objects.filter(is_active=False).exists()
