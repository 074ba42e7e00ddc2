"""Token settings from the environment: parsing, defaults, and what production refuses."""

from __future__ import annotations

import subprocess
import sys

import pytest

from intrasoft.config import ConfigError, check_production, check_tokens, load_settings

SERVICE = "s" * 40
READ = "r" * 40
QUINN = "q" * 40


@pytest.fixture()
def env(monkeypatch, tmp_path):
    """A clean environment for load_settings: no env file, no token variable from the shell."""
    monkeypatch.setenv("ENV_FILE", str(tmp_path / "none.env"))
    for name in ("API_TOKENS", "API_READ_TOKENS", "API_USER_TOKENS", "AUTH_REQUIRED_FOR_READS", "METRICS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("ENVIRONMENT", raising=False)

    def load(**variables):
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        return load_settings(str(tmp_path))

    return load


def test_token_kinds_are_read_from_the_environment(env):
    settings = env(
        API_TOKENS=f"{SERVICE}",
        API_READ_TOKENS=f" {READ} ,,",
        API_USER_TOKENS=f" quinn :{QUINN}, Jeff_Goldblum:tok:with:colons ",
        METRICS_TOKEN=" m ",
    )
    assert settings["API_TOKENS"] == [SERVICE]
    assert settings["API_READ_TOKENS"] == [READ]
    assert settings["API_USER_TOKENS"] == [("quinn", QUINN), ("Jeff_Goldblum", "tok:with:colons")]
    assert settings["METRICS_TOKEN"] == "m"
    assert env(METRICS_TOKEN="")["METRICS_TOKEN"] is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("quinn", "entry 1 must be username:token"),
        (f"quinn:{QUINN},jeff:", "entry 2 must be username:token"),
        (f":{QUINN}", "entry 1 has an invalid username: Must not be blank"),
        (f"not valid:{QUINN}", "entry 1 has an invalid username: Only letters"),
        (f"{'a' * 65}:{QUINN}", "entry 1 has an invalid username: At most 64"),
    ],
)
def test_malformed_user_tokens_stop_the_app_naming_the_variable(env, value, reason):
    with pytest.raises(ConfigError, match=f"^API_USER_TOKENS {reason}") as caught:
        env(API_USER_TOKENS=value)
    assert QUINN not in str(caught.value)


@pytest.mark.parametrize(
    ("environment", "value", "expected"),
    [
        ("development", None, False),
        ("production", None, True),
        ("Production", None, True),
        ("production", "false", False),
        ("development", "TRUE", True),
        ("development", "on", True),
        ("production", "0", False),
    ],
)
def test_auth_required_for_reads_defaults_by_environment_and_an_explicit_value_wins(env, environment, value, expected):
    variables = {"ENVIRONMENT": environment}
    if value is not None:
        variables["AUTH_REQUIRED_FOR_READS"] = value
    assert env(**variables)["AUTH_REQUIRED_FOR_READS"] is expected


def test_auth_required_for_reads_refuses_anything_else(env):
    with pytest.raises(ConfigError, match="AUTH_REQUIRED_FOR_READS must be true or false, not 'ture'"):
        env(AUTH_REQUIRED_FOR_READS="ture")


def tokens(**overrides):
    base = {"API_TOKENS": [SERVICE], "API_READ_TOKENS": [READ], "API_USER_TOKENS": [("quinn", QUINN)]}
    base.update(overrides)
    return base


def test_distinct_tokens_and_repeats_of_one_principal_are_fine():
    check_tokens(tokens())
    check_tokens(tokens(API_TOKENS=[SERVICE, SERVICE], API_USER_TOKENS=[("quinn", QUINN), ("Quinn", QUINN)]))


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"API_READ_TOKENS": [SERVICE]}, "API_TOKENS and API_READ_TOKENS"),
        ({"API_USER_TOKENS": [("quinn", READ)]}, "API_READ_TOKENS and API_USER_TOKENS (quinn)"),
        (
            {"API_USER_TOKENS": [("quinn", QUINN), ("jeff", QUINN)]},
            "API_USER_TOKENS (quinn) and API_USER_TOKENS (jeff)",
        ),
    ],
)
def test_a_token_standing_for_two_principals_is_refused_everywhere(overrides, named):
    with pytest.raises(ConfigError, match=f"the same token is given in {named.replace('(', '.').replace(')', '.')}"):
        check_tokens(tokens(**overrides))


def production(**overrides):
    settings = {
        "ENVIRONMENT": "production",
        "SQLALCHEMY_DATABASE_URI": "mysql+pymysql://app@db/intrasoft",
        "SECRET_KEY": "a-real-secret-of-at-least-32-characters",
        "METRICS_TOKEN": None,
        **tokens(),
    }
    settings.update(overrides)
    return settings


def test_production_accepts_long_distinct_tokens_of_every_kind():
    check_production(production(METRICS_TOKEN="m" * 40))


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"API_READ_TOKENS": ["short"]}, "every token in API_READ_TOKENS must be at least 32 characters"),
        ({"API_USER_TOKENS": [("quinn", "short")]}, "every token in API_USER_TOKENS must be at least 32 characters"),
        ({"METRICS_TOKEN": "short"}, "every token in METRICS_TOKEN must be at least 32 characters"),
        (
            {"API_READ_TOKENS": ["change-me-to-a-long-random-read-token-01"]},
            "API_READ_TOKENS still holds the .env.example placeholders",
        ),
        (
            {"API_USER_TOKENS": [("quinn", "change-me-to-a-long-random-user-token-01")]},
            "API_USER_TOKENS still holds the .env.example placeholders",
        ),
        (
            {"METRICS_TOKEN": "change-me-to-a-long-random-metrics-token"},
            "METRICS_TOKEN still holds the .env.example placeholders",
        ),
        ({"API_USER_TOKENS": [("quinn", "dev-quinn-token")]}, "API_USER_TOKENS must be at least 32"),
    ],
)
def test_production_refuses_short_and_example_tokens_of_every_kind(overrides, reason):
    with pytest.raises(ConfigError, match=reason):
        check_production(production(**overrides))


def test_a_malformed_token_setting_stops_the_app_with_its_name(tmp_path):
    env = {
        "API_USER_TOKENS": "quinn-without-a-token",
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
    assert result.returncode == 2
    assert "API_USER_TOKENS entry 1 must be username:token" in result.stderr
    assert "quinn-without-a-token" not in result.stderr and "Traceback" not in result.stderr


def test_the_app_does_not_start_with_a_token_in_two_kinds(database_url, capsys):
    from .conftest import TEST_TOKEN, make_app

    with pytest.raises(SystemExit) as stopped:
        make_app(database_url, API_READ_TOKENS=[TEST_TOKEN])
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert "the same token is given in API_TOKENS and API_READ_TOKENS" in error
    assert TEST_TOKEN not in error
