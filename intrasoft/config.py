"""Configuration from the environment.

Everything is read from environment variables, optionally pre-loaded from the
env file named by ``ENV_FILE`` (default ``.env``). ``DATABASE_URL`` wins;
otherwise ``MYSQL_*`` variables build a PyMySQL URL; with neither, an embedded
SQLite file in the instance folder is used.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote_plus

from dotenv import load_dotenv

from .usernames import InvalidText, username_key, validate_username

#: Every secret ``.env.example`` ships starts with this; production refuses such values.
PLACEHOLDER_PREFIX = "change-me"
MIN_TOKEN_LENGTH = 32
DEV_SECRET_KEY = "dev-only-secret"  # noqa: S105 - refused in production by check_production
MIN_SECRET_KEY_LENGTH = 32
#: The values ``ENVIRONMENT`` may take (compared trimmed and case-insensitively).
ENVIRONMENTS = ("development", "production")

#: MySQL closes idle connections after ``wait_timeout`` (default 8 h, often
#: lowered to 5-10 min by hosting providers); recycle well below that.
MYSQL_POOL_RECYCLE_SECONDS = 280


class ConfigError(RuntimeError):
    """The configuration cannot be used (raised before the app starts)."""


def environment(value: str | None) -> str:
    """``ENVIRONMENT`` trimmed and lower-cased ("development" when unset or empty).

    Anything else stops the app: ``Production`` or ``prod`` must not quietly skip every
    production check.
    """
    name = (value or "").strip().lower() or "development"
    if name not in ENVIRONMENTS:
        raise ConfigError(f"ENVIRONMENT must be one of {', '.join(ENVIRONMENTS)}, not {value!r}")
    return name


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


TRUE_VALUES = frozenset({"1", "true", "yes", "on"})
FALSE_VALUES = frozenset({"0", "false", "no", "off"})


def _strict_bool(env: dict[str, str], name: str) -> bool | None:
    """A security switch: ``None`` when unset; a value that is neither true nor false stops the app
    (a typo must not silently pick a side)."""
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return None
    if raw in TRUE_VALUES:
        return True
    if raw in FALSE_VALUES:
        return False
    raise ConfigError(f"{name} must be true or false, not {env[name]!r}")


def user_tokens(value: str | None) -> list[tuple[str, str]]:
    """``API_USER_TOKENS``: ``username:token,username:token`` as ``(username, token)`` pairs.

    The username follows the threads' rule (it is who the token acts as there). A malformed
    entry stops the app; the message names the entry by position, never its text, which
    could be a token.
    """
    pairs = []
    for position, entry in enumerate(_list(value), start=1):
        name, colon, token = entry.partition(":")
        if not colon or not token.strip():
            raise ConfigError(f"API_USER_TOKENS entry {position} must be username:token")
        try:
            pairs.append((validate_username(name), token.strip()))
        except InvalidText as exc:
            raise ConfigError(f"API_USER_TOKENS entry {position} has an invalid username: {exc}") from None
    return pairs


def _number(env: dict[str, str], name: str, default, minimum, maximum, kind=int):
    """A numeric setting within bounds; anything else stops the app with a message naming it."""
    raw = env.get(name) or str(default)
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{name} must be {'an integer' if kind is int else 'a number'}, not {raw!r}") from None
    if not minimum <= value <= maximum:
        raise ConfigError(f"{name} must be between {minimum} and {maximum}, not {value}")
    return value


def _int(env: dict[str, str], name: str, default: int, minimum: int, maximum: int) -> int:
    return _number(env, name, default, minimum, maximum, int)


def _float(env: dict[str, str], name: str, default: float, minimum: float, maximum: float) -> float:
    return _number(env, name, default, minimum, maximum, float)


def countries_settings(env: dict[str, str]) -> dict:
    """The randomuser.me connector (see ``intrasoft/countries``)."""
    return {
        "RANDOMUSER_URL": env.get("RANDOMUSER_URL") or "https://randomuser.me/api/1.4/",
        "RANDOMUSER_RESULTS": _int(env, "RANDOMUSER_RESULTS", 500, 1, 5000),
        "RANDOMUSER_NAT": env.get("RANDOMUSER_NAT") or None,
        "RANDOMUSER_SEED": env.get("RANDOMUSER_SEED") or None,
        # Read timeout of one HTTP attempt; the connect timeout is min(this, 5 s).
        "RANDOMUSER_TIMEOUT": _float(env, "RANDOMUSER_TIMEOUT", 10.0, 0.1, 120.0),
        "RANDOMUSER_RETRIES": _int(env, "RANDOMUSER_RETRIES", 3, 0, 10),
        "RANDOMUSER_BACKOFF_SECONDS": _float(env, "RANDOMUSER_BACKOFF_SECONDS", 0.5, 0.0, 30.0),
        "SYNC_INTERVAL_MINUTES": _int(env, "SYNC_INTERVAL_MINUTES", 60, 1, 7 * 24 * 60),
        # One whole pull, retries included. POST /api/countries/sync runs it inside a gunicorn
        # worker, so it must end (writes included, ~0.2 s) well before gunicorn kills the worker.
        "SYNC_DEADLINE_SECONDS": _float(
            env, "SYNC_DEADLINE_SECONDS", 20.0, 1.0, _int(env, "GUNICORN_TIMEOUT", 30, 2, 3600) - 5.0
        ),
    }


def database_url(env: dict[str, str], instance_path: str) -> str:
    """Build the SQLAlchemy URL from ``DATABASE_URL``, ``MYSQL_*`` or the SQLite default."""
    if env.get("DATABASE_URL"):
        return env["DATABASE_URL"]
    if env.get("MYSQL_HOST"):
        user = quote_plus(env.get("MYSQL_USER", "root"))
        password = env.get("MYSQL_PASSWORD", "")
        auth = f"{user}:{quote_plus(password)}" if password else user
        host = env["MYSQL_HOST"]
        port = env.get("MYSQL_PORT", "3306")
        name = env.get("MYSQL_DB", "intrasoft")
        return f"mysql+pymysql://{auth}@{host}:{port}/{name}?charset=utf8mb4"
    return "sqlite:///" + str(Path(instance_path) / "intrasoft.db")


def engine_options(url: str) -> dict:
    """Per-backend engine options. ``hide_parameters`` keeps statement parameters (names,
    emails, message texts) out of every database error and so out of the logs."""
    if url.startswith("mysql"):
        return {
            "hide_parameters": True,
            "pool_pre_ping": True,
            "pool_recycle": MYSQL_POOL_RECYCLE_SECONDS,
            "pool_size": 10,
            "max_overflow": 10,
            "pool_timeout": 10,
            # Bounded connect/read timeouts so an unreachable database fails fast (503)
            # instead of hanging a worker until gunicorn kills it.
            "connect_args": {"connect_timeout": 5, "read_timeout": 30, "write_timeout": 30},
        }
    if url.startswith("sqlite"):
        return {"hide_parameters": True, "connect_args": {"timeout": 15}}
    return {"hide_parameters": True, "pool_pre_ping": True}


def load_settings(instance_path: str, overrides: dict | None = None) -> dict:
    """Return the Flask config mapping for this process."""
    env_file = os.environ.get("ENV_FILE", ".env")
    if env_file and Path(env_file).is_file():
        load_dotenv(env_file, override=False)
    env = dict(os.environ)

    url = database_url(env, instance_path)
    settings = {
        "APP_NAME": env.get("APP_NAME", "IntraSoft"),
        "ENVIRONMENT": env.get("ENVIRONMENT"),
        "SECRET_KEY": env.get("SECRET_KEY", DEV_SECRET_KEY),
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO").upper(),
        "API_TOKENS": _list(env.get("API_TOKENS")),
        "API_READ_TOKENS": _list(env.get("API_READ_TOKENS")),
        "API_USER_TOKENS": user_tokens(env.get("API_USER_TOKENS")),
        # None until resolved below: on in production, off in development, unless set.
        "AUTH_REQUIRED_FOR_READS": _strict_bool(env, "AUTH_REQUIRED_FOR_READS"),
        "METRICS_TOKEN": (env.get("METRICS_TOKEN") or "").strip() or None,
        "CORS_ORIGINS": _list(env.get("CORS_ORIGINS")),
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(url),
        "SQLALCHEMY_ECHO": _bool(env.get("ECHO_SQL")),
        "SQLALCHEMY_RECORD_QUERIES": False,
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        # flask-smorest / OpenAPI
        "API_TITLE": f"{env.get('APP_NAME', 'IntraSoft')} API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "/docs",
        "OPENAPI_SWAGGER_UI_URL": "/api/docs/assets/",
        # How long a claimed Idempotency-Key may stay in flight before it is considered abandoned.
        "IDEMPOTENCY_IN_FLIGHT_SECONDS": _int(env, "IDEMPOTENCY_IN_FLIGHT_SECONDS", 60, 1, 86400),
        # Keys are remembered this long (then purged by the scheduler, and reusable).
        "IDEMPOTENCY_TTL_HOURS": _int(env, "IDEMPOTENCY_TTL_HOURS", 24, 1, 24 * 30),
        "TRANSACTION_MAX_ATTEMPTS": _int(env, "TRANSACTION_MAX_ATTEMPTS", 4, 1, 20),
        **countries_settings(env),
    }
    if overrides:
        settings.update(overrides)
        if "SQLALCHEMY_DATABASE_URI" in overrides and "SQLALCHEMY_ENGINE_OPTIONS" not in overrides:
            settings["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(settings["SQLALCHEMY_DATABASE_URI"])
    settings["ENVIRONMENT"] = environment(settings["ENVIRONMENT"])
    if settings["AUTH_REQUIRED_FOR_READS"] is None:
        settings["AUTH_REQUIRED_FOR_READS"] = settings["ENVIRONMENT"] == "production"
    return settings


def all_tokens(settings: dict) -> list[tuple[str, str]]:
    """Every API token as ``(variable, token)``: service, read-only and user tokens."""
    tokens = [("API_TOKENS", token) for token in settings.get("API_TOKENS", [])]
    tokens += [("API_READ_TOKENS", token) for token in settings.get("API_READ_TOKENS", [])]
    tokens += [("API_USER_TOKENS", token) for _, token in settings.get("API_USER_TOKENS", [])]
    return tokens


def check_tokens(settings: dict) -> None:
    """Refuse, in every environment, a token that would stand for two principals (in two
    variables, or bound to two users): which one a request is could not be decided.
    The message names the variables (and users), never the token."""
    principals: dict[str, dict[tuple, str]] = {}
    for name, token in all_tokens(settings):
        if name != "API_USER_TOKENS":
            principals.setdefault(token, {})[(name,)] = name
    for username, token in settings.get("API_USER_TOKENS", []):
        principals.setdefault(token, {})[("user", username_key(username))] = f"API_USER_TOKENS ({username})"
    clashes = [" and ".join(found.values()) for found in principals.values() if len(found) > 1]
    if clashes:
        raise ConfigError("A token must stand for one principal; the same token is given in " + "; ".join(clashes))


def is_placeholder(value: str) -> bool:
    """A value copied from ``.env.example`` and never replaced."""
    return value.strip().lower().startswith(PLACEHOLDER_PREFIX)


def check_production(settings: dict) -> None:
    """Refuse unsafe production settings with a message naming what is wrong (never a value)."""
    if environment(settings["ENVIRONMENT"]) != "production":
        return
    problems = []
    if not settings["API_TOKENS"]:
        problems.append("API_TOKENS must hold at least one token")
    tokens = all_tokens(settings)
    if settings.get("METRICS_TOKEN"):
        tokens.append(("METRICS_TOKEN", settings["METRICS_TOKEN"]))
    for name in dict.fromkeys(name for name, _ in tokens):
        values = [token for variable, token in tokens if variable == name]
        if any(len(token) < MIN_TOKEN_LENGTH for token in values):
            problems.append(f"every token in {name} must be at least {MIN_TOKEN_LENGTH} characters")
        if any(is_placeholder(token) for token in values):
            problems.append(f"{name} still holds the .env.example placeholders")
    if settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        problems.append("production needs MySQL (set DATABASE_URL or MYSQL_HOST), not SQLite")
    secret = (settings["SECRET_KEY"] or "").strip()
    if secret == DEV_SECRET_KEY or len(secret) < MIN_SECRET_KEY_LENGTH or is_placeholder(secret):
        problems.append(f"SECRET_KEY must be set to a random value of at least {MIN_SECRET_KEY_LENGTH} characters")
    if problems:
        raise ConfigError("Refusing to start in production: " + "; ".join(problems))


def load_checked_settings(instance_path: str, overrides: dict | None = None) -> dict:
    """``load_settings`` then ``check_production`` and ``check_tokens``: what every process checks
    before it serves.

    ``create_app`` calls it, and so does gunicorn's master (``gunicorn.conf.py``'s
    ``on_starting``) before it binds or forks a worker: a refused configuration stops the
    whole service with its reason instead of workers failing and being respawned forever.
    """
    settings = load_settings(instance_path, overrides)
    check_production(settings)
    check_tokens(settings)
    return settings
