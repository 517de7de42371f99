"""API keys for the write API, and the audit log of every write.

A key is shown once, when it is created: `ps_<key id>_<secret>`. The key id is public (it
is what `keys list` and the audit log show); the secret is 32 random bytes in hex. The file keeps
only the secret's scrypt hash with its salt, so that the keys file, a backup of it or a
copy left on a disk gives no key. scrypt (RFC 7914, in the standard library) is memory-hard:
guessing costs memory as well as time. The secrets are random, not chosen by people, so
the cost parameters are modest (n=2**14, r=8, p=1: 16 MiB and some tens of milliseconds),
and a verified key is remembered by its SHA-256 in this process for a short while, so that
a CMS pushing many pages pays the cost once, not per request. Revocation still takes effect
at once: every request reads the key's row.

Keys and the audit log live in one small SQLite file (`Settings.keys_file`), whatever the
store: Elasticsearch deployments need keys too, and the index is not the place for them.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

KEY_PREFIX = "ps"
# scrypt's cost: n=2**14, r=8 (16 MiB), p=1, as recommended for interactive logins.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SCRYPT_MAXMEM = 64 * 1024 * 1024
# How long a verified key is trusted without scrypt again, and how many are remembered.
VERIFIED_SECONDS = 300.0
VERIFIED_MAX = 1000

SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY,
    scope TEXT NOT NULL,
    issuer TEXT,
    note TEXT,
    salt BLOB NOT NULL,
    hash BLOB NOT NULL,
    created TEXT NOT NULL,
    revoked TEXT
);
CREATE TABLE IF NOT EXISTS audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    key_id TEXT NOT NULL,
    action TEXT NOT NULL,
    document_id TEXT,
    outcome TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_key ON audit_log (key_id, seq);
"""


class Scope(StrEnum):
    WRITE = "write"  # put and delete documents
    ADMIN = "admin"  # everything a write key may do, and the service's administration

    def allows(self, needed: Scope) -> bool:
        return self is Scope.ADMIN or self is needed


class InvalidKey(Exception):
    """The key is not one of this service's, or it was revoked; the message says which
    (never echoing the key)."""


class KeysUnavailable(Exception):
    """The keys file cannot be opened or read."""


@dataclass(frozen=True)
class ApiKey:
    id: str
    scope: Scope
    issuer: str | None
    note: str | None
    created: str
    revoked: str | None

    @property
    def active(self) -> bool:
        return self.revoked is None

    def may_write_for(self, issuers: list[str]) -> bool:
        """Whether this key may write a document of these issuers: any issuer for a key
        without one, else only documents naming the key's issuer among theirs."""
        return self.issuer is None or self.issuer in [name.strip() for name in issuers]


@dataclass(frozen=True)
class AuditEntry:
    time: str
    key_id: str
    action: str
    document_id: str | None
    outcome: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _hash(secret: str, salt: bytes) -> bytes:
    return hashlib.scrypt(secret.encode("ascii"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                          maxmem=SCRYPT_MAXMEM, dklen=32)


def split_key(token: str) -> tuple[str, str]:
    """(key id, secret) of a key as given, or InvalidKey for what is not shaped as one."""
    parts = token.strip().split("_")
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1].isalnum() or len(parts[2]) < 20:
        raise InvalidKey("the key is not a policy-search API key (ps_…)")
    return parts[1], parts[2]


class KeyStore:
    """The keys and the audit log in one SQLite file (created on first use)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._verified: OrderedDict[str, tuple[str, float]] = OrderedDict()  # sha256 of key -> (id, when)
        self._lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                new = not self.path.exists()
                connection = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
                if new:  # hashes only, but no one else's business: readable by the service's user alone
                    os.chmod(self.path, 0o600)
                connection.execute("PRAGMA journal_mode = WAL")
                connection.executescript(SCHEMA)
            except (OSError, sqlite3.Error) as error:
                raise KeysUnavailable(f"cannot open the keys file {self.path}: {error}") from error
            self._local.connection = connection
        return connection

    @contextmanager
    def _cursor(self) -> Iterator[sqlite3.Cursor]:
        connection = self._connection()
        try:
            with connection:  # a transaction: committed, or rolled back on an error
                yield connection.cursor()
        except sqlite3.Error as error:
            raise KeysUnavailable(f"the keys file {self.path} failed: {error}") from error

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    # --- keys ----------------------------------------------------------------------------

    def create(self, scope: Scope, issuer: str | None = None, note: str | None = None) -> tuple[ApiKey, str]:
        """A new key and the key itself, which is stored nowhere: shown once."""
        key_id = secrets.token_hex(6)
        secret = secrets.token_hex(32)
        salt = secrets.token_bytes(16)
        issuer = issuer.strip() if issuer and issuer.strip() else None
        key = ApiKey(key_id, scope, issuer, note, _now(), None)
        with self._cursor() as cursor:
            cursor.execute(
                "INSERT INTO api_keys (id, scope, issuer, note, salt, hash, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key.id, key.scope.value, key.issuer, key.note, salt, _hash(secret, salt), key.created))
        return key, f"{KEY_PREFIX}_{key_id}_{secret}"

    def all(self) -> list[ApiKey]:
        with self._cursor() as cursor:
            rows = cursor.execute("SELECT id, scope, issuer, note, created, revoked FROM api_keys ORDER BY created, id")
            return [self._key(row) for row in rows.fetchall()]

    def get(self, key_id: str) -> ApiKey | None:
        with self._cursor() as cursor:
            row = cursor.execute("SELECT id, scope, issuer, note, created, revoked FROM api_keys WHERE id = ?",
                                 (key_id,)).fetchone()
        return self._key(row) if row else None

    def revoke(self, key_id: str) -> ApiKey | None:
        """Revoke a key (at once, for every process); the key, or None where there is none."""
        with self._cursor() as cursor:
            cursor.execute("UPDATE api_keys SET revoked = ? WHERE id = ? AND revoked IS NULL", (_now(), key_id))
        return self.get(key_id)

    def authenticate(self, token: str) -> ApiKey:
        """The key a request presents, or InvalidKey: unknown, wrong secret, or revoked."""
        key_id, secret = split_key(token)
        with self._cursor() as cursor:
            row = cursor.execute("SELECT id, scope, issuer, note, created, revoked, salt, hash FROM api_keys "
                                 "WHERE id = ?", (key_id,)).fetchone()
        if row is None:
            raise InvalidKey("unknown API key")
        key = self._key(row[:6])
        if not self._verified_recently(token, key_id):
            if not hmac.compare_digest(_hash(secret, row[6]), row[7]):
                raise InvalidKey("unknown API key")
            self._remember(token, key_id)
        if not key.active:
            raise InvalidKey(f"the API key {key.id} was revoked on {key.revoked}")
        return key

    def _verified_recently(self, token: str, key_id: str) -> bool:
        digest = hashlib.sha256(token.encode("utf-8")).hexdigest()
        with self._lock:
            seen = self._verified.get(digest)
            return seen is not None and seen[0] == key_id and time.monotonic() - seen[1] < VERIFIED_SECONDS

    def _remember(self, token: str, key_id: str) -> None:
        digest = hashlib.sha256(token.encode("utf-8")).hexdigest()
        with self._lock:
            self._verified[digest] = (key_id, time.monotonic())
            self._verified.move_to_end(digest)
            while len(self._verified) > VERIFIED_MAX:
                self._verified.popitem(last=False)

    @staticmethod
    def _key(row: tuple) -> ApiKey:
        return ApiKey(id=row[0], scope=Scope(row[1]), issuer=row[2], note=row[3], created=row[4], revoked=row[5])

    # --- audit log -----------------------------------------------------------------------

    def record(self, key_id: str, action: str, document_id: str | None, outcome: str) -> None:
        """One write (or refused write) in the audit log: who, what, which document, when."""
        with self._cursor() as cursor:
            cursor.execute("INSERT INTO audit_log (time, key_id, action, document_id, outcome) VALUES (?, ?, ?, ?, ?)",
                           (_now(), key_id, action, document_id, outcome))

    def audit(self, limit: int = 100, key_id: str | None = None) -> list[AuditEntry]:
        """The latest entries of the audit log, newest first."""
        where, values = ("WHERE key_id = ?", [key_id]) if key_id else ("", [])
        with self._cursor() as cursor:
            rows = cursor.execute(f"SELECT time, key_id, action, document_id, outcome FROM audit_log {where} "
                                  "ORDER BY seq DESC LIMIT ?", [*values, limit]).fetchall()
        return [AuditEntry(*row) for row in rows]
