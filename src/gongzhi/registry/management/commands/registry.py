"""`gongzhi registry import FILE --kind … --user …`, `gongzhi registry load-tags` and
`gongzhi registry retention [--dry-run]` (anonymise what is past its retention period).

Exit codes: 0 imported; 1 the file cannot be read, or rows were rejected and nothing was written
(all-or-nothing; ``--valid-rows`` writes the good ones); 2 bad arguments (unknown user, kind,
header or field, missing required columns).
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.accounts.models import User
from gongzhi.registry.importing import (
    ImportFileError,
    LedgerFile,
    MappingError,
    Progress,
    check_mapping,
    import_file,
)
from gongzhi.registry.ledger import LEDGERS
from gongzhi.registry.rights import run_retention
from gongzhi.registry.tags import load_default_tag_types

PHASES = {"validate": "校验", "write": "导入"}
SHOWN_PROBLEMS = 50


class Command(BaseCommand):
    help = "Registry (人地事物组织) tools: import an Excel 台账, load the default key-group types."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import a ledger (xlsx, xls or csv)")
        imp.add_argument("file")
        imp.add_argument("--kind", required=True, choices=list(LEDGERS),
                         help="people 人员 | buildings 楼栋 | houses 房屋 | organisations 组织 | tags 重点人群名单")
        imp.add_argument("--user", required=True, help="the uploader: rows outside their area are refused")
        imp.add_argument("--map", action="append", default=[], metavar="表头=field",
                         help="map a header to a field (repeatable); 表头= drops the column")
        imp.add_argument("--valid-rows", action="store_true",
                         help="write the valid rows even if some rows are bad (default: all or nothing)")
        imp.add_argument("--report", default="", help="write every rejected row and why to this xlsx file")
        imp.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 1),
                         help="processes checking the rows of a large people ledger (default: the CPUs, up to 4)")
        sub.add_parser("load-tags", help="create the default key-group types (独居老人, 残疾人 …) that are missing")
        ret = sub.add_parser("retention", help="anonymise people who left longer ago than the retention period, and "
                                               "reporters on cases closed longer ago (the background sweep runs it daily)")
        ret.add_argument("--dry-run", action="store_true", help="count only, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "load-tags":
            created = load_default_tag_types()
            self.stdout.write(f"重点人群类别：新建 {created} 个")
            return
        if options["action"] == "retention":
            report = run_retention(dry_run=options["dry_run"])
            verb = "到期（未处理）" if options["dry_run"] else "已匿名化"
            self.stdout.write(f"{verb}：人员 {report.people}，案件反映人 {report.case_reporters}")
            return
        self.handle_import(**options)

    def handle_import(self, *, file: str, kind: str, user: str, map: list[str], valid_rows: bool,
                      report: str, workers: int, **_: Any) -> None:
        if workers < 1:
            raise CommandError(f"--workers 应为正整数，实为 {workers}", returncode=2)
        uploader = User.objects.filter(username=user, is_active=True).first()
        if uploader is None:
            raise CommandError(f"用户「{user}」不存在或已停用", returncode=2)
        overrides: dict[str, str] = {}
        for item in map:
            header, sep, target = item.partition("=")
            if not sep or not header.strip():
                raise CommandError(f"--map 应为 表头=字段，实为「{item}」", returncode=2)
            overrides[header.strip()] = target.strip()
        started = time.monotonic()
        try:
            headers = LedgerFile(file).headers
            mapping = check_mapping(kind, headers, None, overrides)
            result = import_file(file, kind, uploader, mapping=mapping, valid_rows=valid_rows, report_path=report,
                                 progress=self.progress_bar(), workers=workers)
        except ImportFileError as exc:
            raise CommandError(str(exc), returncode=1) from exc
        except MappingError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        except FileNotFoundError as exc:
            raise CommandError(f"文件不存在：{file}", returncode=1) from exc
        sys.stderr.write("\n")
        for p in result.problems[:SHOWN_PROBLEMS]:
            self.stderr.write(f"第 {p.row} 行 [{p.column}] {p.value}: {p.rule}")
        if result.rejected > SHOWN_PROBLEMS:
            self.stderr.write(f"… 共 {result.rejected} 行有错误" + (f"，完整报告见 {report}" if report else
                                                                 "（用 --report 错误报告.xlsx 导出全部）"))
        seconds = time.monotonic() - started
        self.stdout.write(f"{LEDGERS[kind].label}：共 {result.total:,} 行，有效 {result.valid:,}，错误 {result.rejected:,}，"
                          f"写入 {result.written:,}，用时 {seconds:.1f} 秒")
        if result.refused:
            raise CommandError(f"有 {result.rejected} 行错误，未导入任何数据（全部导入或全部不导入）；"
                               "改正后重新导入，或加 --valid-rows 只导入有效行", returncode=1)

    @staticmethod
    def progress_bar() -> Any:
        last = [0.0]

        def show(p: Progress) -> None:
            now = time.monotonic()
            if now - last[0] < 0.5 and (p.total is None or p.processed < p.total):
                return
            last[0] = now
            pct = f" ({100 * p.processed // p.total}%)" if p.total else ""
            of = f"/{p.total:,}" if p.total else ""
            sys.stderr.write(f"\r{PHASES[p.phase]} {p.processed:,}{of} 行{pct}   ")
            sys.stderr.flush()
        return show
