"""The benchmark's own parts: wrk parsing, the runner, and the raw baseline's equivalence."""

from __future__ import annotations

import sys
import types
from datetime import datetime

import pytest

from bench import __main__ as runner
from bench import baseline_app
from bench.customers import parse_wrk

from .conftest import mysql_only
from .factories import CustomerFactory

WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:5001/api/customers?after=0&page_size=50
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    21.95ms    9.41ms 110.34ms   72.50%
    Req/Sec   366.82     52.11   470.00     70.00%
  Latency Distribution
     50%   20.60ms
     75%   26.84ms
     90%   33.23ms
     99%   53.84ms
  7311 requests in 10.01s, 149.26MB read
Requests/sec:    730.44
Transfer/sec:     14.91MB
"""


def test_parse_wrk_reads_throughput_and_latency():
    result = parse_wrk(WRK_OUTPUT)
    assert result.requests_per_second == 730.44
    assert result.latency_avg_ms == 21.95
    assert result.latency_p50_ms == 20.60
    assert result.errors is None


def test_parse_wrk_converts_units_and_reports_errors():
    output = (
        WRK_OUTPUT.replace("21.95ms", "850.00us")
        .replace("20.60ms", "1.20s")
        .replace("Requests/sec:", "  Non-2xx or 3xx responses: 12\nRequests/sec:")
    )
    result = parse_wrk(output)
    assert result.latency_avg_ms == pytest.approx(0.85)
    assert result.latency_p50_ms == pytest.approx(1200.0)
    assert result.errors == "Non-2xx or 3xx responses: 12"


def test_connect_args_from_a_database_url():
    args = baseline_app.connect_args("mysql+pymysql://bench:p%40ss@db.local:3307/bench_x?charset=utf8mb4")
    assert args["host"] == "db.local"
    assert args["port"] == 3307
    assert (args["user"], args["password"], args["database"]) == ("bench", "p@ss", "bench_x")


def call_wsgi(app, path: str, query: str) -> tuple[str, dict, bytes]:
    captured = {}

    def start_response(status, headers):
        captured["status"], captured["headers"] = status, dict(headers)

    body = b"".join(app({"PATH_INFO": path, "QUERY_STRING": query}, start_response))
    return captured["status"], captured["headers"], body


def test_baseline_rejects_other_paths_and_bad_numbers():
    assert call_wsgi(baseline_app.app, "/elsewhere", "")[0].startswith("404")
    assert call_wsgi(baseline_app.app, "/api/customers", "after=x")[0].startswith("422")


@mysql_only
@pytest.mark.parametrize("query", ["after=0&page_size=50", "after=0&page_size=2", "after=2&page_size=2"])
def test_baseline_returns_the_same_bytes_as_the_api(client, database_url, monkeypatch, query):
    """The bench compares the API with this baseline: it must do the same work."""
    CustomerFactory(cid=1, contract_start_date=None, contract_renewal_date=None, subscriptions="")
    CustomerFactory(cid=2, name='Zürich Ærø 株式会社 "quoted"', has_dedicated_account_manager=True)
    CustomerFactory(cid=4, name=None, customer_type="Key Account", has_discounted_pricing=True)
    CustomerFactory(cid=3, created_at=datetime(2025, 1, 2, 3, 4, 5), updated_at=datetime(2025, 1, 2, 3, 4, 5, 6))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setattr(baseline_app, "_local", types.SimpleNamespace())

    response = client.get("/api/customers?" + query)
    status, headers, body = call_wsgi(baseline_app.app, "/api/customers", query)
    baseline_app._local.connection.close()

    assert status == "200 OK"
    assert body == response.data
    assert headers["X-Pagination"] == response.headers["X-Pagination"]


class _Scenario(types.ModuleType):
    def __init__(self, name, rows=(), error=None):
        super().__init__(name)
        self.rows, self.error = rows, error

    def run(self, report):
        for row in self.rows:
            report.add(*row)
        if self.error:
            raise self.error


def test_runner_writes_results_and_fails_on_a_missed_target(monkeypatch, tmp_path, capsys):
    good = _Scenario("bench_fake_good", [("fast thing", "2 ms", "4 ms", "<= 1x", True)])
    slow = _Scenario("bench_fake_slow", [("slow thing", "9 ms", "4 ms", "<= 1x", False)])
    monkeypatch.setitem(sys.modules, "bench_fake_good", good)
    monkeypatch.setitem(sys.modules, "bench_fake_slow", slow)
    monkeypatch.setattr(runner, "SCENARIOS", ("bench_fake_good", "bench.not_written_yet", "bench_fake_slow"))
    monkeypatch.setattr(runner, "OPTIONAL", frozenset({"bench.not_written_yet"}))
    monkeypatch.setattr(runner, "RESULTS", tmp_path / "results.md")

    assert runner.main() == 1
    written = (tmp_path / "results.md").read_text()
    assert "nproc" in written
    assert "MariaDB" in written
    assert "| fast thing | 2 ms | 4 ms | <= 1x | pass |" in written
    assert "| slow thing | 9 ms | 4 ms | <= 1x | MISS |" in written
    assert "bench_fake_good, bench_fake_slow" in written
    assert "| slow thing |" in capsys.readouterr().out


def test_runner_passes_and_a_crashed_scenario_is_a_miss(monkeypatch, tmp_path):
    good = _Scenario("bench_fake_good", [("fast thing", "2 ms", "4 ms", "<= 1x", True)])
    monkeypatch.setitem(sys.modules, "bench_fake_good", good)
    monkeypatch.setattr(runner, "RESULTS", tmp_path / "results.md")
    monkeypatch.setattr(runner, "SCENARIOS", ("bench_fake_good",))
    assert runner.main() == 0

    broken = _Scenario("bench_fake_broken", error=RuntimeError("database gone"))
    monkeypatch.setitem(sys.modules, "bench_fake_broken", broken)
    monkeypatch.setattr(runner, "SCENARIOS", ("bench_fake_broken", "bench_fake_good"))
    assert runner.main() == 1
    written = (tmp_path / "results.md").read_text()
    assert "| bench_fake_broken (crashed) | RuntimeError: database gone |" in written
    assert "| fast thing |" in written, "the other scenarios still run"


def test_a_required_scenario_that_is_missing_is_an_error(monkeypatch):
    monkeypatch.setattr(runner, "OPTIONAL", frozenset())
    with pytest.raises(ModuleNotFoundError):
        runner.load_scenario("bench.not_written_yet")
    monkeypatch.setattr(runner, "OPTIONAL", frozenset({"bench.not_written_yet"}))
    assert runner.load_scenario("bench.not_written_yet") is None
