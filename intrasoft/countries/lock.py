"""The database-level lock that lets only one sync run at a time, across every process.

* MySQL/MariaDB: ``GET_LOCK(name, 0)`` on a connection of its own, held for the whole sync.
  The server releases it when that connection ends, so a process that dies holding it
  (SIGKILL, OOM, lost host) frees it as soon as the server sees the connection close.
  Lock names are server-wide, so the name includes the database name.
* Other databases (SQLite): a row in ``country_sync_locks`` with an owner and a lease.
  It can be taken over when the lease has expired, or at once when the owner is a process
  of this host that no longer exists. The holder renews the lease between steps. Every
  change of the row is a write transaction (``BEGIN IMMEDIATE``), so the read-then-swap of
  a take-over runs under SQLite's write lock.

Both are non-blocking: ``acquire`` returns ``False`` when another sync holds the lock.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import uuid
from datetime import timedelta

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from ..database import utcnow, write_transaction
from .models import SyncLock

log = logging.getLogger(__name__)

LOCK_NAME = "countries_sync"


def _is_mysql(engine: Engine) -> bool:
    return engine.dialect.name in ("mysql", "mariadb")


def mysql_lock_name(database: str | None) -> str:
    """``intrasoft:<db>:countries_sync``, hashed when longer than MySQL's 64 characters."""
    name = f"intrasoft:{database}:{LOCK_NAME}"
    if len(name) > 64:
        name = "intrasoft:" + hashlib.sha256(name.encode()).hexdigest()[:40]
    return name


def pid_is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


class SyncLockHandle:
    """A non-blocking, process-death-safe lock; ``acquire()`` then ``release()``."""

    def __init__(self, engine: Engine, lease_seconds: float):
        self.engine = engine
        self.lease = timedelta(seconds=lease_seconds)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        self._connection: Connection | None = None
        self._mysql_name: str | None = None
        self.held = False

    # --- MySQL ---------------------------------------------------------------------

    def _acquire_mysql(self) -> bool:
        connection = self.engine.connect()
        try:
            database = connection.execute(text("SELECT DATABASE()")).scalar()
            self._mysql_name = mysql_lock_name(database)
            got = connection.execute(text("SELECT GET_LOCK(:name, 0)"), {"name": self._mysql_name}).scalar()
            connection.commit()
        except BaseException:
            connection.invalidate()
            connection.close()
            raise
        if got == 1:
            self._connection = connection
            return True
        connection.close()
        return False

    def _release_mysql(self) -> None:
        connection, self._connection = self._connection, None
        try:
            connection.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": self._mysql_name})
            connection.commit()
        except Exception:  # the lock dies with the connection: make sure it does
            log.warning("sync lock release failed; dropping its connection", exc_info=True)
            connection.invalidate()
        finally:
            connection.close()

    # --- lock row ------------------------------------------------------------------

    def _owner_is_gone(self, owner: str) -> bool:
        host, _, rest = owner.partition(":")
        pid = rest.partition(":")[0]
        return host == socket.gethostname() and pid.isdigit() and not pid_is_alive(int(pid))

    def _acquire_row(self) -> bool:
        now = utcnow()
        values = {"name": LOCK_NAME, "owner": self.owner, "acquired_at": now, "expires_at": now + self.lease}
        with write_transaction(), self.engine.connect() as connection:
            try:
                connection.execute(insert(SyncLock).values(**values))
                connection.commit()
                return True
            except IntegrityError:
                connection.rollback()
            current = connection.execute(
                select(SyncLock.owner, SyncLock.expires_at).where(SyncLock.name == LOCK_NAME)
            ).first()
            if current is None:  # released meanwhile: try once more
                try:
                    connection.execute(insert(SyncLock).values(**values))
                    connection.commit()
                    return True
                except IntegrityError:
                    connection.rollback()
                    return False
            if current.expires_at > now and not self._owner_is_gone(current.owner):
                return False
            # Compare-and-swap on the old owner: of two processes taking over, one wins.
            taken = connection.execute(
                update(SyncLock)
                .where(SyncLock.name == LOCK_NAME, SyncLock.owner == current.owner)
                .values(owner=self.owner, acquired_at=now, expires_at=now + self.lease)
            ).rowcount
            connection.commit()
            if taken:
                log.warning(
                    "sync lock taken over from a dead or expired holder", extra={"previous_owner": current.owner}
                )
            return bool(taken)

    def _release_row(self) -> None:
        with write_transaction(), self.engine.begin() as connection:
            connection.execute(delete(SyncLock).where(SyncLock.name == LOCK_NAME, SyncLock.owner == self.owner))

    # --- API -----------------------------------------------------------------------

    def acquire(self) -> bool:
        self.held = self._acquire_mysql() if _is_mysql(self.engine) else self._acquire_row()
        return self.held

    def renew(self) -> None:
        """Extend the lease (lock row only: a MySQL lock lives as long as its connection)."""
        if self.held and not _is_mysql(self.engine):
            self._renew_row()

    def _renew_row(self) -> None:
        now = utcnow()
        with write_transaction(), self.engine.begin() as connection:
            connection.execute(
                update(SyncLock)
                .where(SyncLock.name == LOCK_NAME, SyncLock.owner == self.owner)
                .values(expires_at=now + self.lease)
            )

    def release(self) -> None:
        if not self.held:
            return
        self.held = False
        if _is_mysql(self.engine):
            self._release_mysql()
        else:
            self._release_row()
