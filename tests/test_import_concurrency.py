"""Two ``flask import`` processes at once, on SQLite and MariaDB: each import is one transaction,
so the data ends as one file or the other, never a mix of both (a second import waits for the
first: row locks on MySQL, the write lock SQLite takes at BEGIN)."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from intrasoft.revenue.models import RevenueActual

ROOT = Path(__file__).resolve().parent.parent
FLASK = Path(sys.executable).parent / "flask"
#: Three chunks of the importer's 1,000 rows: the imports interleave if anything can.
MONTHS = [date(1950 + index // 12, index % 12 + 1, 1) for index in range(600)]
AREAS = ("France", "Germany", "Switzerland", "Netherlands", "UK")


def actuals_file(path: Path, amount: str) -> Path:
    lines = ["area,month,amount"] + [f"{area},{month:%Y-%m},{amount}" for month in MONTHS for area in AREAS]
    path.write_text("\n".join(lines) + "\n")
    return path


def flask_import(database_url: str, path: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("API_", "MYSQL_", "DATABASE_"))},
        "DATABASE_URL": database_url,
        "FLASK_APP": "intrasoft",
        "ENV_FILE": str(tmp_path / "none.env"),
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.run(
        [str(FLASK), "import", "actuals", str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_concurrent_imports_of_two_files_end_as_one_of_them(database_url, db, tmp_path):
    first = actuals_file(tmp_path / "first.csv", "1.00")
    second = actuals_file(tmp_path / "second.csv", "2.00")
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda path: flask_import(database_url, path, tmp_path), (first, second)))
    for result in results:
        assert result.returncode == 0, result.stdout + result.stderr
    db.session.rollback()
    rows = len(MONTHS) * len(AREAS)
    assert db.session.scalar(select(func.count()).select_from(RevenueActual)) == rows
    amounts = set(db.session.scalars(select(RevenueActual.amount)))
    assert amounts in ({Decimal("1.00")}, {Decimal("2.00")}), amounts  # never a mix


def test_the_same_file_imported_twice_at_once_is_stored_once(database_url, db, tmp_path):
    path = actuals_file(tmp_path / "same.csv", "3.50")
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: flask_import(database_url, path, tmp_path), range(2)))
    for result in results:
        assert result.returncode == 0, result.stdout + result.stderr
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(RevenueActual)) == len(MONTHS) * len(AREAS)
    assert set(db.session.scalars(select(RevenueActual.amount))) == {Decimal("3.50")}
