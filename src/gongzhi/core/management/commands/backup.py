"""`gongzhi backup create [--output DIR]` and `gongzhi backup restore FILE --yes`.

One ``.tar.gz`` holds the database and the media files (see :mod:`gongzhi.core.backup`). The
personal-data keys are never in it: keep them separately (docs/operations.md).

Exit codes: 0 done; 2 nothing was changed (refused without --yes, not a backup, tool missing,
…); 1 the restore was written but a check after it failed (audit chain, row counts, keys).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.core import backup
from gongzhi.core.management.commands.audit import PROBLEMS


def _counts(counts: dict[str, int]) -> str:
    return " · ".join(f"{label} {n}" for label, n in counts.items())


class Command(BaseCommand):
    help = ("Back up the database and media files into one file, or restore one. "
            "The personal-data keys are NOT in the backup: keep them separately.")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{create,restore}")
        create = actions.add_parser("create", help="write var/backups/gongzhi-<time>.tar.gz")
        create.add_argument("--output", type=Path, default=None,
                            help="directory for the backup file (default: var/backups/)")
        restore = actions.add_parser("restore", help="replace the database and media with a backup")
        restore.add_argument("file", type=Path)
        restore.add_argument("--yes", action="store_true", help="really replace the configured database")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "create":
                self._create(options["output"])
            else:
                self._restore(options["file"], yes=options["yes"])
        except backup.BackupError as exc:
            raise CommandError(str(exc), returncode=2) from exc

    def _reminder(self) -> None:
        for line in backup.key_reminder():
            self.stdout.write(self.style.WARNING(line))

    def _create(self, output: Path | None) -> None:
        result = backup.create_backup(output)
        self.stdout.write(f"backup written: {result.path}")
        self.stdout.write(f"  size: {backup.human_size(result.size)} ({result.size} bytes), database: {result.vendor}")
        self.stdout.write(f"  rows: {_counts(result.counts)} · media files {result.media_files}")
        if result.audit_head:
            self.stdout.write(f"  audit chain head: #{result.audit_head['last_id']} {result.audit_head['last_hash']}")
        self._reminder()

    def _restore(self, path: Path, *, yes: bool) -> None:
        manifest = backup.read_manifest(path)
        backup.check_target(manifest, path)
        summary = (f"{path}: {manifest['vendor']} backup of {manifest['created_at']}, "
                   f"{_counts(manifest['counts'])} · media files {manifest['media_files']}")
        if not yes:
            raise CommandError(
                f"{summary}\nRestoring replaces {backup.describe_target()} and the media files with "
                "this backup. Run again with --yes to do it. / 恢复将覆盖当前数据库和附件，确认请加 --yes。",
                returncode=2,
            )
        self.stdout.write(f"restoring {summary}")
        self.stdout.write(f"  into {backup.describe_target()}")
        result = backup.restore_backup(path)
        self.stdout.write(f"restored: rows {_counts(result.counts)} · media files {result.media_files}")
        if result.media_aside:
            self.stdout.write(f"  the previous media files were moved to {result.media_aside} (delete when satisfied)")
        if result.chain.ok:
            self.stdout.write(f"  audit chain ok: {result.chain.checked} rows verified")
        else:
            self.stderr.write(f"  audit chain BROKEN: {PROBLEMS.get(result.chain.problem, result.chain.problem)}")
        for note in result.notes:
            self.stdout.write(f"  note: {note}")
        self._reminder()
        if result.problems:
            raise CommandError("restored, but a check failed:\n  " + "\n  ".join(result.problems), returncode=1)
