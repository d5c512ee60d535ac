"""Setup time from a fresh clone, and the test suite's time.

Clones the repository (committed state) into a temporary folder and times, in it:
`make setup` (venv, Python packages, npm packages), building the demo city
(`gongzhi demo --no-serve`: migrate + 长沙市 + grids + users), and optionally `make test`.
With --cold the uv and npm caches start empty, as on a fresh machine; otherwise they are
warm from earlier installs. The first line says which.

    .venv/bin/python bench/setup_time.py [--with-tests]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--with-tests", action="store_true")
    parser.add_argument("--cold", action="store_true", help="empty uv and npm caches: every package downloaded")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gongzhi-clone-") as tmp:
        clone = Path(tmp) / "gongzhi"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "DATABASE_URL"}}
        if args.cold:
            env["UV_CACHE_DIR"] = str(Path(tmp) / "uv-cache")
            env["npm_config_cache"] = str(Path(tmp) / "npm-cache")
        print(f"setup.package_cache_warm {int(not args.cold)} bool")
        print(f"setup.make_setup_seconds {timed(['make', 'setup'], clone, env):.1f} s")
        demo = timed([str(clone / '.venv/bin/gongzhi'), 'demo', '--no-serve'], clone, env)
        print(f"setup.demo_city_seconds {demo:.1f} s")
        if args.with_tests:
            print(f"setup.make_test_seconds {timed(['make', 'test'], clone, env):.1f} s")


if __name__ == "__main__":
    main()
