"""The `gongzhi` command: Django's management commands under the project's settings.

`gongzhi demo` sets up and serves the demo city; `gongzhi areas import ...`,
`gongzhi audit verify`, `gongzhi pii rotate`, `gongzhi calendar ...` and every other
management command work the same way as `manage.py <command>`.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    from django.core.management import execute_from_command_line

    args = sys.argv if argv is None else ["gongzhi", *argv]
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
