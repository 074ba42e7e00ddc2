"""The connector's settings come from the environment, checked before the app starts."""

import pytest

from intrasoft.config import ConfigError, countries_settings


def test_defaults():
    settings = countries_settings({})
    assert settings == {
        "RANDOMUSER_URL": "https://randomuser.me/api/1.4/",
        "RANDOMUSER_RESULTS": 500,
        "RANDOMUSER_NAT": None,
        "RANDOMUSER_SEED": None,
        "RANDOMUSER_TIMEOUT": 10.0,
        "RANDOMUSER_RETRIES": 3,
        "RANDOMUSER_BACKOFF_SECONDS": 0.5,
        "SYNC_INTERVAL_MINUTES": 60,
        "SYNC_DEADLINE_SECONDS": 20.0,
    }


def test_values_from_the_environment():
    settings = countries_settings(
        {
            "RANDOMUSER_RESULTS": "5000",
            "RANDOMUSER_NAT": "fr,de",
            "RANDOMUSER_TIMEOUT": "2.5",
            "SYNC_INTERVAL_MINUTES": "5",
        }
    )
    assert settings["RANDOMUSER_RESULTS"] == 5000 and settings["RANDOMUSER_NAT"] == "fr,de"
    assert settings["RANDOMUSER_TIMEOUT"] == 2.5 and settings["SYNC_INTERVAL_MINUTES"] == 5


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"RANDOMUSER_RESULTS": "5001"}, "RANDOMUSER_RESULTS must be between 1 and 5000, not 5001"),
        ({"RANDOMUSER_RESULTS": "many"}, "RANDOMUSER_RESULTS must be an integer"),
        ({"SYNC_DEADLINE_SECONDS": "soon"}, "SYNC_DEADLINE_SECONDS must be a number"),
        ({"RANDOMUSER_TIMEOUT": "0"}, "RANDOMUSER_TIMEOUT must be between"),
    ],
)
def test_bad_values_stop_the_app(env, message, monkeypatch):
    with pytest.raises(ConfigError, match=message):
        countries_settings(env)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    from intrasoft import create_app

    with pytest.raises(SystemExit) as stopped:
        create_app({"TESTING": True})
    assert stopped.value.code == 2
