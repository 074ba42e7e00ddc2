"""The randomuser.me client: one bounded pull, and the parsing and validation of its answer.

A pull never runs longer than its deadline (plus the few milliseconds it takes to notice):

* every HTTP attempt gets connect and read timeouts no longer than the time left;
* the body is read with small ``read1`` calls (each returns as soon as bytes arrive), the
  socket timeout set to the time left before each one and the deadline checked after each,
  so a server trickling bytes cannot keep the pull going;
* a watchdog timer shuts the attempt's socket down at the deadline, whatever it is blocked
  in (a server trickling its *headers*, a chunked-encoding line read byte by byte);
* a retry whose wait (backoff or ``Retry-After``) would pass the deadline is not made.

429, 5xx, timeouts and connection errors are retried; other answers fail at once.
Failure reasons never contain personal data (no record content).
"""

from __future__ import annotations

import contextlib
import json
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from ..database import utcnow

#: More invalid records than this share of a pull fails it.
MAX_INVALID_SHARE = 0.10
#: A 5,000-person answer is about 6 MB; refuse anything absurdly larger.
MAX_BODY_BYTES = 64 * 1024 * 1024
MAX_CONNECT_TIMEOUT = 5.0
#: At most this much per ``read1`` call (one ``recv``: it returns with whatever has arrived).
READ_SIZE = 64 * 1024
USER_AGENT = "IntraSoft countries connector"


class PullFailed(Exception):
    """The pull cannot be used; ``reason`` says why (stored on the run, shown to clients)."""

    def __init__(self, reason: str, *, attempts: int = 0, received: int = 0, skipped: int = 0):
        super().__init__(reason)
        self.reason = reason
        self.attempts = attempts
        self.received = received
        self.skipped = skipped


class _DeadlineExceeded(Exception):
    def __init__(self, phase: str):
        super().__init__(phase)
        self.phase = phase  # "waiting for" (connect, headers) or "reading" (body)


@dataclass
class Pull:
    """A usable pull: the valid people, deduplicated, and the counts for the run record."""

    people: list[dict]
    received: int
    skipped: int
    duplicates: int
    attempts: int = 0


# --- validation ------------------------------------------------------------------------


class _Invalid(Exception):
    pass


def _text(value, max_length: int, *, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise _Invalid
    value = value.strip()
    if not value:
        if required:
            raise _Invalid
        return None
    if len(value) > max_length:
        raise _Invalid
    return value


def _object(value, *, required: bool) -> dict:
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise _Invalid
    return value


def _postcode(value) -> str | None:
    """randomuser sends postcodes as integers for some countries and strings for others."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise _Invalid
    return _text(str(value), 32, required=False)


def _lower(value: str | None) -> str | None:
    return value.lower() if value is not None else None


#: Namespace of the ids given to people whose record has no ``login.uuid``.
PEOPLE_WITHOUT_UUID = uuid.UUID("6f0f4c7e-2b1a-5d9e-8c3f-1a2b3c4d5e6f")


def uuid_from_email(email: str) -> str:
    """A stable id for a person without ``login.uuid``: the same e-mail gives the same id in every sync."""
    return str(uuid.uuid5(PEOPLE_WITHOUT_UUID, email.casefold()))


def person_from_record(record) -> dict | None:
    """The stored fields of one randomuser record, or None when it is invalid."""
    try:
        if not isinstance(record, dict):
            raise _Invalid
        name = _object(record.get("name"), required=True)
        location = _object(record.get("location"), required=True)
        login = _object(record.get("login"), required=False)
        email = _text(record.get("email"), 254, required=True)
        if "@" not in email:
            raise _Invalid
        # Lowercase: MySQL's unique key (run_id, uuid) ignores case, so dedup must too.
        person_uuid = _lower(_text(login.get("uuid"), 36, required=False)) or uuid_from_email(email)
        return {
            "uuid": person_uuid,
            "gender": _text(record.get("gender"), 16, required=True),
            "title": _text(name.get("title"), 50, required=False),
            "first_name": _text(name.get("first"), 100, required=True),
            "last_name": _text(name.get("last"), 100, required=True),
            "email": email,
            "country": _text(location.get("country"), 100, required=True),
            "city": _text(location.get("city"), 100, required=False),
            "state": _text(location.get("state"), 100, required=False),
            "postcode": _postcode(location.get("postcode")),
            "nationality": _text(record.get("nat"), 8, required=False),
        }
    except _Invalid:
        return None


def people_from_records(records: list) -> Pull:
    """Validate and deduplicate records (by ``login.uuid``, else by email); apply the 10% rule.

    A record without a uuid gets one derived from its e-mail (``uuid_from_email``), so the
    uuid is the one identity of a person: deduplication and API ids both use it.
    """
    people, seen = [], set()
    skipped = duplicates = 0
    for record in records:
        person = person_from_record(record)
        if person is None:
            skipped += 1
            continue
        key = person["uuid"]
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        people.append(person)
    if skipped > len(records) * MAX_INVALID_SHARE:
        raise PullFailed(
            f"{skipped} of {len(records)} records are invalid (more than {MAX_INVALID_SHARE:.0%})",
            received=len(records),
            skipped=skipped,
        )
    return Pull(people=people, received=len(records), skipped=skipped, duplicates=duplicates)


def parse_body(body: bytes) -> Pull:
    """Parse a 2xx body; a 200 is not proof of success (``error`` key, empty ``results``)."""
    try:
        payload = json.loads(body)
    except UnicodeDecodeError:
        raise PullFailed("the response is not valid UTF-8 JSON") from None
    except json.JSONDecodeError as exc:
        raise PullFailed(f"the response is not valid JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(payload, dict):
        raise PullFailed("the response is not a JSON object")
    if "error" in payload:
        raise PullFailed(f"randomuser answered with an error: {str(payload['error'])[:200]}")
    if "results" not in payload:
        raise PullFailed("the response has no results")
    results = payload["results"]
    if not isinstance(results, list):
        raise PullFailed("results is not a list")
    if not results:
        raise PullFailed("results is empty (0 people)")
    return people_from_records(results)


# --- HTTP ------------------------------------------------------------------------------


_current_watchdog: ContextVar[_Watchdog | None] = ContextVar("randomuser_watchdog", default=None)


def _shutdown(sock) -> None:
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked in recv() on it


class _Watchdog:
    """Shuts down the socket of the running attempt when its time is up.

    Read timeouts bound each ``recv``, not their sum: a server sending a byte now and then
    never trips them. The watchdog is the hard stop for any phase; the connection classes
    below hand it their socket as the response starts.
    """

    def __init__(self, seconds: float):
        self._lock = threading.Lock()
        self._sock = None
        self.fired = False
        self._timer = threading.Timer(max(0.0, seconds), self._fire)
        self._timer.daemon = True

    def attach(self, sock) -> None:
        with self._lock:
            self._sock = sock
            fired = self.fired
        if fired and sock is not None:
            _shutdown(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            sock = self._sock
        if sock is not None:
            _shutdown(sock)

    def __enter__(self) -> _Watchdog:
        self._token = _current_watchdog.set(self)
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()
        _current_watchdog.reset(self._token)


def _watch(connection) -> None:
    watchdog = _current_watchdog.get()
    if watchdog is not None:
        watchdog.attach(connection.sock)


class _WatchedHTTPConnection(HTTPConnection):
    def getresponse(self):
        _watch(self)
        return super().getresponse()


class _WatchedHTTPSConnection(HTTPSConnection):
    def getresponse(self):
        _watch(self)
        return super().getresponse()


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_WATCHED_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class WatchedAdapter(HTTPAdapter):
    """requests' adapter whose connections report their socket to the attempt's watchdog."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _WATCHED_POOLS

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = _WATCHED_POOLS
        return manager


def watched_session() -> requests.Session:
    session = requests.Session()
    session.mount("http://", WatchedAdapter())
    session.mount("https://", WatchedAdapter())
    return session


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return max(0.0, (moment - utcnow()).total_seconds())


def _error_summary(status: int, body: bytes) -> str:
    try:
        message = json.loads(body).get("error")
    except (ValueError, AttributeError, UnicodeDecodeError):
        message = None
    return f"HTTP {status}" + (f": {str(message)[:200]}" if message else "")


class RandomUserClient:
    def __init__(
        self,
        url: str,
        *,
        results: int,
        nat: str | None = None,
        seed: str | None = None,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.5,
        deadline: float = 20.0,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.url = url
        self.results = results
        self.params = {"results": str(results)}
        if nat:
            self.params["nat"] = nat
        if seed:
            self.params["seed"] = seed
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.deadline = deadline
        self.session = session or watched_session()
        self.clock = clock
        self.sleep = sleep

    @classmethod
    def from_config(cls, config) -> RandomUserClient:
        return cls(
            config["RANDOMUSER_URL"],
            results=config["RANDOMUSER_RESULTS"],
            nat=config.get("RANDOMUSER_NAT"),
            seed=config.get("RANDOMUSER_SEED"),
            timeout=config["RANDOMUSER_TIMEOUT"],
            retries=config["RANDOMUSER_RETRIES"],
            backoff=config["RANDOMUSER_BACKOFF_SECONDS"],
            deadline=config["SYNC_DEADLINE_SECONDS"],
        )

    def _get(self, ends_at: float) -> tuple[int, bytes, dict]:
        """One HTTP attempt, over by ``ends_at`` whatever the server does.

        Raise ``_DeadlineExceeded`` when the deadline ends it (also when a timeout or a
        closed connection is the deadline's doing), requests' exceptions otherwise.
        """
        remaining = ends_at - self.clock()
        if remaining <= 0:
            raise _DeadlineExceeded("waiting for")
        phase = "waiting for"
        with _Watchdog(remaining) as watchdog:
            try:
                timeouts = (min(MAX_CONNECT_TIMEOUT, self.timeout, remaining), min(self.timeout, remaining))
                response = self.session.get(
                    self.url,
                    params=self.params,
                    timeout=timeouts,
                    stream=True,
                    headers={"Accept": "application/json", "User-Agent": USER_AGENT},
                )
                if watchdog.fired:  # headers cut short by the watchdog look complete to http.client
                    response.close()
                    raise _DeadlineExceeded("waiting for")
                phase = "reading"
                with response:
                    return response.status_code, self._read_body(response, ends_at), response.headers
            except (requests.RequestException, _DeadlineExceeded):
                if watchdog.fired or self.clock() >= ends_at:
                    raise _DeadlineExceeded(phase) from None
                raise

    def _read_body(self, response: requests.Response, ends_at: float) -> bytes:
        raw = response.raw
        connection = raw.connection
        chunks, size = [], 0
        while True:
            remaining = ends_at - self.clock()
            if remaining <= 0:
                raise _DeadlineExceeded("reading")
            if connection is not None and connection.sock is not None:
                connection.sock.settimeout(min(self.timeout, remaining))
            try:
                chunk = raw.read1(READ_SIZE, decode_content=True)
            except urllib3.exceptions.ReadTimeoutError:
                raise requests.exceptions.ReadTimeout("read timed out") from None
            except (urllib3.exceptions.ProtocolError, OSError) as exc:
                raise requests.exceptions.ChunkedEncodingError(type(exc).__name__) from None
            except urllib3.exceptions.DecodeError as exc:
                raise requests.exceptions.ContentDecodingError(type(exc).__name__) from None
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise PullFailed(f"the response is larger than {MAX_BODY_BYTES // (1024 * 1024)} MiB")

    def fetch(self) -> Pull:
        """Pull once (with retries) and return the valid people; raise ``PullFailed`` otherwise."""
        ends_at = self.clock() + self.deadline
        attempt = 0
        while True:
            attempt += 1
            wait_hint = None
            try:
                status, body, headers = self._get(ends_at)
            except _DeadlineExceeded as exc:
                raise PullFailed(
                    f"the {self.deadline:g} s deadline passed while {exc.phase} the response", attempts=attempt
                ) from None
            except requests.Timeout:
                problem, retryable = f"timed out (connect/read timeout {self.timeout:g} s)", True
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                problem, retryable = f"connection error ({type(exc).__name__})", True
            except requests.RequestException as exc:
                raise PullFailed(f"request error ({type(exc).__name__})", attempts=attempt) from None
            except PullFailed as exc:
                exc.attempts = attempt
                raise
            else:
                if 200 <= status < 300:
                    try:
                        pull = parse_body(body)
                    except PullFailed as exc:
                        exc.attempts = attempt
                        raise
                    pull.attempts = attempt
                    return pull
                problem = _error_summary(status, body)
                retryable = status == 429 or status >= 500
                if retryable:
                    wait_hint = retry_after_seconds(headers.get("Retry-After"))
            if not retryable:
                raise PullFailed(problem, attempts=attempt)
            if attempt > self.retries:
                raise PullFailed(f"{problem}, after {attempt} attempts", attempts=attempt)
            delay = self.backoff * 2 ** (attempt - 1) * random.uniform(0.8, 1.2)
            if wait_hint is not None:
                delay = max(delay, wait_hint)
            if self.clock() + delay >= ends_at:
                raise PullFailed(
                    f"{problem}; the next retry (in {delay:.1f} s) would pass the {self.deadline:g} s deadline",
                    attempts=attempt,
                )
            self.sleep(delay)
