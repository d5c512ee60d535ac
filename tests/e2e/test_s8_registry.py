"""S8 · the registry: a community worker imports the 台账 of a residential compound (2,000 rows,
3 bad ID numbers), imports the valid rows, then the corrected file without duplicating anyone;
a grid worker finds the 独居老人 of their grid in one click and opens a full ID with a reason;
the audit page shows who looked and why."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
import xlsxwriter
from playwright.sync_api import Page, expect

from gongzhi.core.idcard import id_check_char
from gongzhi.demo.people import RELATION_LABELS, GeneratedPerson, PeopleGenerator
from tests.e2e.conftest import login, shot

pytestmark = pytest.mark.e2e
COMMUNITY = "430104002014"  # 麓山南路社区: the community worker's post
WORKER_GRID = COMMUNITY + "001"  # the grid worker's post
OTHER_GRID = COMMUNITY + "002"
ROWS = 2000
FIRST_ROW = 3  # Excel row 1: the title; row 2: the headers
HEADERS = ["序号", "姓名", "身份证号码", "手机号码", "性别", "人口类型", "所属网格", "楼栋地址", "单元", "房号",
           "户号", "与户主关系", "重点人群"]
REASON = "入户走访核对身份"
MASKED_ID = re.compile(r"^\d{3}\*{11}[\dX]{4}$")


@dataclass
class Row:
    person: GeneratedPerson
    grid: str  # path
    grid_name: str
    building: str
    room: str
    alone: bool  # 独居老人


@dataclass
class Ledger:
    rows: list[Row]
    bad: dict[int, tuple[str, str]] = field(default_factory=dict)  # Excel row → (wrong ID, rule text)

    def row_of(self, excel_row: int) -> Row:
        return self.rows[excel_row - FIRST_ROW]


def count_of(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def buildings_of_community(page: Page) -> dict[str, tuple[str, list[str]]]:
    """grid path → (grid name, building addresses), read from the registry pages as the worker sees them."""
    page.goto(f"/registry/area/{COMMUNITY}/")
    grids = {}
    for link in page.locator("#children a").all():
        path = (link.get_attribute("href") or "").rstrip("/").rsplit("/", 1)[-1]
        grids[path] = link.inner_text().strip()
    out = {}
    for path, name in sorted(grids.items()):
        page.goto(f"/registry/area/{path}/")
        addresses = [a.strip() for a in page.locator("#buildings tbody tr td:nth-child(2)").all_inner_texts()]
        out[path] = (name, [a for a in addresses if a])
    return out


def make_ledger(buildings: dict[str, tuple[str, list[str]]]) -> Ledger:
    """2,000 generated people of 麓山南路社区 in households, living in the community's demo buildings
    (unit 2: rooms the import creates); region codes the demo's own people do not use, so no
    one in the file is already on the register."""
    today = date.today()
    gen = PeopleGenerator(88, today=today, local_regions=["430111", "430112", "430121", "430181"],
                          floating_share=0.2, household_prefix="4301040029")
    gen.origins = ["430202", "430304", "430407", "430503", "430621", "430703"]
    homes = [(path, name, address) for path, (name, addresses) in buildings.items() for address in addresses]
    assert len(homes) >= 8, buildings
    rows: list[Row] = []
    n = 0
    while len(rows) < ROWS:
        family = gen.household()[: ROWS - len(rows)]
        path, name, address = homes[n % len(homes)]
        floor, r = divmod(n // len(homes), 2)
        n += 1
        alone = len(family) == 1 and family[0].age(today) >= 65 and path in (WORKER_GRID, OTHER_GRID)
        rows += [Row(p, path, name, address, f"{floor + 1}{r + 1:02d}", alone) for p in family]
    ledger = Ledger(rows)
    # Three wrong IDs, at known Excel rows, none of them in a 独居老人's row.
    candidates = [i for i in (57, 1003, 1777) if not rows[i - FIRST_ROW].alone]
    assert len(candidates) == 3
    check_row, length_row, birth_row = candidates
    good = ledger.row_of(check_row).person.id_number
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    ledger.bad[check_row] = (wrong_check, "校验位")
    ledger.bad[length_row] = (ledger.row_of(length_row).person.id_number[:17], "长度")
    first17 = ledger.row_of(birth_row).person.id_number[:6] + "19870230" + "123"
    ledger.bad[birth_row] = (first17 + id_check_char(first17), "出生日期")
    return ledger


def write_xlsx(ledger: Ledger, path: Path, *, corrected: bool) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("人员台账")
    as_text = book.add_format({"num_format": "@"})
    bold = book.add_format({"bold": True})
    sheet.merge_range(0, 0, 0, len(HEADERS) - 1, "麓山南路社区 枫林小区 实有人口台账（2026年）", bold)
    sheet.write_row(1, 0, HEADERS, bold)
    sheet.set_column(2, 3, 22, as_text)
    for i, row in enumerate(ledger.rows):
        excel_row = FIRST_ROW + i
        p = row.person
        number = p.id_number if corrected or excel_row not in ledger.bad else ledger.bad[excel_row][0]
        values = [i + 1, p.name, None, None, p.gender_label, "户籍人口" if p.residency == "registered" else "流动人口",
                  row.grid_name, row.building, "2单元", row.room, p.household_number,
                  "本人" if p.relation == "self" else RELATION_LABELS[p.relation], "独居老人" if row.alone else ""]
        sheet.write_row(excel_row - 1, 0, values)
        sheet.write_string(excel_row - 1, 2, number, as_text)  # the ID column as text, as the page asks
        if p.phone:
            sheet.write_string(excel_row - 1, 3, p.phone, as_text)
    book.close()
    return path


def import_ledger(page: Page, path: Path) -> None:
    """台账导入 → 人员 → upload → the mapping step → 校验 (nothing written yet)."""
    page.get_by_role("link", name="人口台账").first.click()
    page.locator("#registry-import-link").click()
    expect(page.locator("h1")).to_have_text("台账导入")
    page.get_by_label("台账类型").select_option(label="人员")
    page.locator("#import-upload input[type=file]").set_input_files(path)
    page.get_by_role("button", name="上传并识别表头").click()
    expect(page.locator("h2")).to_have_text("第 2 步：确认表头")
    # Aliased headers mapped to their fields: 身份证号码 → 身份证号, 手机号码 → 联系电话.
    expect(page.get_by_label("身份证号码", exact=True)).to_have_value("id_number")
    expect(page.get_by_label("手机号码", exact=True)).to_have_value("phone")
    expect(page.get_by_label("重点人群", exact=True)).to_have_value("tags")
    expect(page.get_by_label("序号", exact=True)).to_have_value("")
    page.get_by_role("button", name="校验数据（不写入）").click()
    expect(page.locator("h2")).to_have_text("第 3 步：校验报告", timeout=120_000)


def counts(page: Page) -> dict[str, int]:
    box = page.locator("#import-counts")
    return {dt: count_of(dd) for dt, dd in zip(box.locator("dt").all_inner_texts(),
                                               box.locator("dd").all_inner_texts(), strict=True)}


def people_total(page: Page) -> int:
    page.get_by_role("link", name="人口台账").first.click()
    page.locator("nav.tabs").get_by_role("link", name="人员").click()
    meta = page.locator("p.meta", has_text="共")
    expect(meta).to_have_text(re.compile(r"共 [\d,]+ 人"))
    return count_of(meta.inner_text())


def test_s8_registry_import_key_groups_reveal_and_audit(new_page: Callable[..., Page], tmp_path: Path) -> None:
    # --- 1. the community worker's ledger -----------------------------------------------------
    community = new_page()
    login(community, "lushan_community")
    buildings = buildings_of_community(community)
    assert set(buildings) >= {WORKER_GRID, OTHER_GRID}, buildings
    ledger = make_ledger(buildings)
    bad_file = write_xlsx(ledger, tmp_path / "枫林小区人员台账.xlsx", corrected=False)
    fixed_file = write_xlsx(ledger, tmp_path / "枫林小区人员台账（更正）.xlsx", corrected=True)
    alone_here = [r.person.name for r in ledger.rows if r.alone and r.grid == WORKER_GRID]
    alone_there = {r.person.name for r in ledger.rows if r.alone and r.grid == OTHER_GRID}
    assert alone_here
    assert alone_there
    community.goto("/")
    before = people_total(community)

    # --- 2. upload, mapping, report naming the 3 rows, import the valid rows ----------------------
    import_ledger(community, bad_file)
    assert counts(community) == {"总行数": ROWS, "有效行": ROWS - 3, "错误行": 3}
    problems = community.locator("#import-problems tbody tr")
    expect(problems).to_have_count(3)
    for excel_row, (_wrong, rule) in ledger.bad.items():
        row = problems.filter(has=community.locator("td:first-child", has_text=re.compile(rf"^{excel_row}$")))
        expect(row).to_have_count(1)
        expect(row.locator("td").nth(1)).to_have_text("身份证号码")
        expect(row.locator("td").nth(3)).to_contain_text(rule)
    html = community.content()
    for wrong, _rule in ledger.bad.values():
        assert wrong not in html  # the report masks the ID numbers too
    shot(community, "s8_validation_report")
    community.get_by_role("button", name="仅导入有效行").click()
    expect(community.locator("h2")).to_have_text("导入结果", timeout=180_000)
    assert counts(community)["已写入"] == ROWS - 3
    expect(community.locator(".messages")).to_contain_text(f"已导入 {ROWS - 3} 行")
    shot(community, "s8_imported_valid_rows")

    community.get_by_role("link", name="查看人员列表").click()
    meta = community.locator("p.meta", has_text="共")
    expect(meta).to_have_text(re.compile(r"共 [\d,]+ 人"))
    assert count_of(meta.inner_text()) == before + ROWS - 3
    ids = community.locator("#people tbody tr td.masked:nth-child(4)").all_inner_texts()
    assert len(ids) == 50
    assert all(MASKED_ID.match(i) for i in ids), ids
    html = community.content()
    file_ids = {r.person.id_number for r in ledger.rows}
    assert not [n for n in file_ids if n in html]
    names_here = set(community.locator("#people tbody tr td:first-child a").all_inner_texts())
    assert names_here & {r.person.name for r in ledger.rows}  # our people are on the list
    # One of them under their house: the card's 居住情况 names the building.
    someone = ledger.rows[10]
    community.locator("#people-filters").get_by_label("姓名 / 身份证号 / 手机号").fill(someone.person.name)
    community.locator("#people-filters").get_by_role("button", name="查询").click()
    found = community.locator("#people tbody tr", has_text=someone.person.id_number[-4:])
    expect(found.first).to_be_visible()
    assert MASKED_ID.match(found.first.locator("td").nth(3).inner_text())
    shot(community, "s8_people_masked")
    found.first.locator("td:first-child a").click()
    expect(community.locator("#residences tr.current")).to_contain_text(someone.building)
    expect(community.locator("#residences tr.current")).to_contain_text(someone.room)

    # --- 3. the corrected file: 全部导入, nobody duplicated ----------------------------------------
    import_ledger(community, fixed_file)
    assert counts(community) == {"总行数": ROWS, "有效行": ROWS, "错误行": 0}
    expect(community.locator("#import-problems")).to_have_count(0)
    community.get_by_role("button", name="全部导入（如有错误则不导入）").click()
    expect(community.locator("h2")).to_have_text("导入结果", timeout=180_000)
    assert counts(community)["已写入"] == ROWS
    shot(community, "s8_imported_corrected")
    assert people_total(community) == before + ROWS

    # --- 4. the grid worker: 独居老人 of their grid in one click ------------------------------------
    worker = new_page()
    login(worker, "lushan_grid1")
    worker.get_by_role("link", name="人口台账").first.click()
    expect(worker).to_have_url(re.compile(rf"/registry/area/{WORKER_GRID}/$"))
    shortcut = worker.locator("#key-groups a[data-tag=living-alone-elderly]")
    expected = count_of(shortcut.locator("b").inner_text())
    assert expected >= len(alone_here)
    shot(worker, "s8_grid_area")
    shortcut.click()
    rows = worker.locator("#people tbody tr")
    expect(rows).to_have_count(expected)
    assert count_of(worker.locator("p.meta", has_text="共").inner_text()) == expected
    for badges in rows.locator("td:last-child").all_inner_texts():
        assert "独居老人" in badges
    listed = set(rows.locator("td:first-child a").all_inner_texts())
    assert set(alone_here) <= listed
    others = alone_there - set(alone_here)
    assert others
    assert not others & listed, (others, listed)
    shot(worker, "s8_living_alone_elderly")

    # --- 5. the card: the full ID needs a reason ------------------------------------------------
    elder = next(r for r in ledger.rows if r.alone and r.grid == WORKER_GRID)
    rows.filter(has_text=elder.person.id_number[-4:]).locator("td:first-child a", has_text=elder.person.name).click()
    expect(worker.locator("#id-number")).to_have_text(re.compile(MASKED_ID.pattern))
    assert elder.person.id_number not in worker.content()
    reveal = worker.locator("#basic dd", has=worker.locator("#id-number")).locator("details.reveal")
    reveal.locator("summary").click()
    reason = reveal.get_by_label("查看理由（将记入审计日志）")
    reveal.get_by_role("button", name="查看").click()  # no reason: the browser will not send it
    assert reason.evaluate("el => el.validationMessage")
    expect(worker).to_have_url(re.compile(r"/registry/person/\d+/$"))
    reason.fill("    ")  # blanks pass the browser's check; the server refuses them
    reveal.get_by_role("button", name="查看").click()
    expect(worker.get_by_role("alert")).to_contain_text("须填写理由")
    assert elder.person.id_number not in worker.content()
    shot(worker, "s8_reveal_refused")
    worker.get_by_role("link", name="返回").click()
    reveal.locator("summary").click()
    reason.fill(REASON)
    reveal.get_by_role("button", name="查看").click()
    expect(worker.locator(".revealed")).to_have_text(elder.person.id_number)
    expect(worker.locator(".hint")).to_contain_text("本次查看已记入审计日志")
    shot(worker, "s8_reveal_shown")

    # --- 6. the audit page: who looked, and why --------------------------------------------------
    admin = new_page()
    login(admin, "auditor")
    admin.get_by_role("link", name="审计日志").first.click()
    expect(admin.locator("h1")).to_have_text("审计日志")
    expect(admin.locator("#chain-status")).to_contain_text("校验通过")
    admin.get_by_label("操作", exact=True).fill("pii.reveal")
    admin.get_by_role("button", name="筛选").click()
    looked = admin.locator("#audit tbody tr", has_text=REASON)
    expect(looked).to_have_count(1)
    expect(looked.locator("td").nth(2)).to_have_text("李思雨")
    expect(looked.locator("td").nth(3)).to_have_text("pii.reveal")
    expect(looked.locator("td").nth(4)).to_contain_text(elder.person.name)
    shot(admin, "s8_audit")
