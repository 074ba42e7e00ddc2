import subprocess
import sys

import pytest

from intrasoft.config import ConfigError, check_production, database_url, load_settings

GOOD_TOKEN = "k" * 40
GOOD_SECRET = "s" * 40


def settings(**overrides):
    base = {
        "ENVIRONMENT": "production",
        "API_TOKENS": [GOOD_TOKEN],
        "SQLALCHEMY_DATABASE_URI": "mysql+pymysql://app@db/intrasoft",
        "SECRET_KEY": GOOD_SECRET,
    }
    base.update(overrides)
    return base


def test_database_url_precedence(tmp_path):
    assert database_url({"DATABASE_URL": "sqlite:///x.db", "MYSQL_HOST": "db"}, "/i") == "sqlite:///x.db"
    assert (
        database_url({"MYSQL_HOST": "db", "MYSQL_USER": "app", "MYSQL_PASSWORD": "p@ss word", "MYSQL_DB": "crm"}, "/i")
        == "mysql+pymysql://app:p%40ss+word@db:3306/crm?charset=utf8mb4"
    )
    assert database_url({"MYSQL_HOST": "db"}, "/i") == "mysql+pymysql://root@db:3306/intrasoft?charset=utf8mb4"
    assert database_url({}, str(tmp_path)) == f"sqlite:///{tmp_path}/intrasoft.db"


def test_mysql_engine_options(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "mysql+pymysql://root@127.0.0.1/x")
    monkeypatch.setenv("ENV_FILE", str(tmp_path / "missing.env"))
    options = load_settings(str(tmp_path))["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_pre_ping"] is True
    assert 0 < options["pool_recycle"] < 28800


def test_env_file_is_loaded_without_overriding_the_environment(monkeypatch, tmp_path):
    env_file = tmp_path / "custom.env"
    env_file.write_text("APP_NAME=From file\nLOG_LEVEL=debug\nAPI_TOKENS=a, b ,,c\n")
    monkeypatch.setenv("ENV_FILE", str(env_file))
    monkeypatch.setenv("APP_NAME", "From environment")
    for name in ("LOG_LEVEL", "API_TOKENS"):
        monkeypatch.delenv(name, raising=False)
    loaded = load_settings(str(tmp_path))
    assert loaded["APP_NAME"] == "From environment"
    assert loaded["LOG_LEVEL"] == "DEBUG"
    assert loaded["API_TOKENS"] == ["a", "b", "c"]


def test_production_accepts_a_safe_configuration():
    check_production(settings())
    check_production(settings(ENVIRONMENT="development", API_TOKENS=[], SQLALCHEMY_DATABASE_URI="sqlite://"))


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"API_TOKENS": []}, "API_TOKENS"),
        ({"API_TOKENS": ["short"]}, "32 characters"),
        ({"API_TOKENS": ["change-me-to-a-long-random-token-0001"]}, ".env.example"),
        ({"SQLALCHEMY_DATABASE_URI": "sqlite:///prod.db"}, "SQLite"),
        ({"SECRET_KEY": "dev-only-secret"}, "SECRET_KEY"),
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": "a-real-but-short-secret"}, "at least 32 characters"),
        ({"SECRET_KEY": " " * 40}, "SECRET_KEY"),
        ({"SECRET_KEY": "change-me-secret-key-at-least-32-characters"}, "SECRET_KEY"),
        ({"ENVIRONMENT": " Production ", "SECRET_KEY": ""}, "SECRET_KEY"),
        ({"ENVIRONMENT": "PRODUCTION", "API_TOKENS": []}, "API_TOKENS"),
    ],
)
def test_production_refuses_unsafe_settings(overrides, reason):
    with pytest.raises(ConfigError, match=reason):
        check_production(settings(**overrides))


def test_every_secret_of_env_example_is_a_refused_placeholder():
    """A production .env copied from .env.example and left as is must not start."""
    from pathlib import Path

    from intrasoft.config import is_placeholder, user_tokens

    example = Path(__file__).resolve().parent.parent / ".env.example"
    values = dict(line.split("=", 1) for line in example.read_text().splitlines() if "=" in line and line[0] != "#")
    secrets = [*values["API_TOKENS"].split(","), values["SECRET_KEY"], values["METRICS_TOKEN"]]
    secrets += [v for v in values["API_READ_TOKENS"].split(",") if v]
    secrets += [token for _, token in user_tokens(values["API_USER_TOKENS"])]
    assert all(is_placeholder(secret) for secret in secrets), secrets
    from_example = settings(
        API_TOKENS=values["API_TOKENS"].split(","),
        SECRET_KEY=values["SECRET_KEY"],
        METRICS_TOKEN=values["METRICS_TOKEN"],
    )
    with pytest.raises(ConfigError) as refused:
        check_production(from_example)
    for name in ("API_TOKENS", "METRICS_TOKEN", "SECRET_KEY"):
        assert name in str(refused.value)
    assert values["API_TOKENS"] not in str(refused.value)  # names, never values


def test_production_start_fails_with_a_clear_message(tmp_path):
    env = {
        "ENVIRONMENT": "production",
        "API_TOKENS": "short",
        "ENV_FILE": str(tmp_path / "none.env"),
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "-c", "from intrasoft import create_app; create_app()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Refusing to start in production" in result.stderr
    assert "Traceback" not in result.stderr


def test_sync_deadline_must_end_before_the_gunicorn_timeout(monkeypatch, tmp_path):
    monkeypatch.setenv("ENV_FILE", str(tmp_path / "none.env"))
    monkeypatch.setenv("SYNC_DEADLINE_SECONDS", "28")
    with pytest.raises(ConfigError, match="SYNC_DEADLINE_SECONDS must be between"):
        load_settings(str(tmp_path))
    monkeypatch.setenv("GUNICORN_TIMEOUT", "60")
    assert load_settings(str(tmp_path))["SYNC_DEADLINE_SECONDS"] == 28.0


@pytest.fixture()
def clean_env(monkeypatch, tmp_path):
    monkeypatch.setenv("ENV_FILE", str(tmp_path / "none.env"))
    for name in ("ENVIRONMENT", "API_TOKENS", "SECRET_KEY", "DATABASE_URL", "MYSQL_HOST"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize(
    ("raw", "name"),
    [(None, "development"), ("", "development"), (" Development\t", "development"), ("PRODUCTION ", "production")],
)
def test_environment_is_trimmed_and_case_insensitive(clean_env, tmp_path, raw, name):
    if raw is not None:
        clean_env.setenv("ENVIRONMENT", raw)
    assert load_settings(str(tmp_path))["ENVIRONMENT"] == name


@pytest.mark.parametrize("raw", ["prod", "staging", "Production!", "dev"])
def test_an_unknown_environment_is_refused_naming_the_allowed_values(clean_env, tmp_path, raw):
    clean_env.setenv("ENVIRONMENT", raw)
    with pytest.raises(ConfigError, match="ENVIRONMENT must be one of development, production") as error:
        load_settings(str(tmp_path))
    assert repr(raw) in str(error.value)
    with pytest.raises(ConfigError, match="ENVIRONMENT must be one of"):
        check_production(settings(ENVIRONMENT=raw))


def test_mixed_case_production_runs_every_check(clean_env, tmp_path):
    from intrasoft.config import load_checked_settings

    clean_env.setenv("ENVIRONMENT", "Production")
    with pytest.raises(ConfigError, match="API_TOKENS must hold at least one token"):
        load_checked_settings(str(tmp_path))
    clean_env.setenv("API_TOKENS", GOOD_TOKEN)
    clean_env.setenv("SECRET_KEY", GOOD_SECRET)
    clean_env.setenv("DATABASE_URL", "mysql+pymysql://app@db/intrasoft")
    assert load_checked_settings(str(tmp_path))["ENVIRONMENT"] == "production"
