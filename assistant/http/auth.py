"""API keys and rate limits.

Keys are random 256-bit tokens shown once (``assistant keys add NAME``); only their SHA-256
is kept, in settings (``api.keys``) or the keys file under the data dir (0600), so a leaked
settings file or backup does not leak a usable key. A key is required whenever the server
listens beyond loopback; on loopback it is optional unless ``api.require_key`` is set (a key
that is sent is checked once any key exists; before that, the placeholder key that OpenAI
clients insist on sending is ignored). Keys are read from the Authorization header only
(``Bearer KEY``, what OpenAI clients send) or ``X-API-Key``, never from the URL, so they do
not reach access logs; this module logs key names, never keys.

Each key (each client address for keyless loopback requests) has a token bucket:
``api.rate_per_minute`` sustained, ``api.burst`` at once; a key may carry its own of both.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assistant.http.errors import ApiError
from assistant.settings import ApiKey, Settings, is_loopback

KEY_PREFIX = "nak_"


def key_required(host: str, require_key: bool) -> bool:
    """The policy: beyond loopback a key is always required; on loopback when configured."""
    return require_key or not is_loopback(host)


class KeyPolicyError(RuntimeError):
    """The server would listen where keys are required but none is configured."""


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


# ---- the keys file ------------------------------------------------------------------------
def read_keys_file(path: Path) -> list[ApiKey]:
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [ApiKey(**{k: v for k, v in row.items() if k in ApiKey.model_fields}) for row in data["keys"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise KeyPolicyError(f"{path}: not a valid API keys file ({type(exc).__name__}); fix or remove it "
                             "and add keys again with `assistant keys add NAME`") from None


def _write_keys_file(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=".api_keys-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"keys": rows}, handle, indent=2)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _rows(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["keys"] if path.exists() else []


def add_key(path: Path, name: str, rate_per_minute: float | None = None, burst: int | None = None) -> str:
    """Create a key called ``name``, store its hash in ``path``; return the key (shown once)."""
    name = name.strip()
    if not name:
        raise ValueError("a key needs a name")
    read_keys_file(path)  # refuse to extend a broken file
    rows = _rows(path)
    if any(r["name"] == name for r in rows):
        raise ValueError(f"a key named {name!r} already exists in {path}; remove it first "
                         f"(`assistant keys remove {name}`)")
    key = new_key()
    row = {"name": name, "sha256": hash_key(key), "created": datetime.now(UTC).isoformat(timespec="seconds")}
    if rate_per_minute is not None:
        row["rate_per_minute"] = rate_per_minute
    if burst is not None:
        row["burst"] = burst
    _write_keys_file(path, [*rows, row])
    return key


def remove_key(path: Path, name: str) -> bool:
    read_keys_file(path)
    rows = _rows(path)
    kept = [r for r in rows if r["name"] != name]
    if len(kept) == len(rows):
        return False
    _write_keys_file(path, kept)
    return True


def list_keys(path: Path) -> list[dict]:
    read_keys_file(path)
    return [{k: v for k, v in r.items() if k != "sha256"} for r in _rows(path)]


class KeyRing:
    """The keys in effect: settings' plus the keys file's, re-read when the file changes
    (a key added with `assistant keys add` works without a restart)."""

    def __init__(self, settings: Settings):
        self.static = list(settings.api.keys)
        self.path = settings.api_keys_file
        self._stamp: float | None = None
        self._keys: list[ApiKey] = []
        self._lock = threading.Lock()
        self.refresh()

    def refresh(self) -> None:
        stamp = self.path.stat().st_mtime_ns if self.path.exists() else None
        with self._lock:
            if stamp == self._stamp and self._keys:
                return
            self._keys = self.static + read_keys_file(self.path)
            self._stamp = stamp

    @property
    def keys(self) -> list[ApiKey]:
        with contextlib.suppress(KeyPolicyError):  # keep the last good set while the file is broken
            self.refresh()
        return self._keys

    def match(self, key: str) -> ApiKey | None:
        digest = hash_key(key)
        found = None
        for k in self.keys:  # compare against every key: no timing hint about which matched
            if hmac.compare_digest(k.sha256, digest):
                found = k
        return found


# ---- rate limits ----------------------------------------------------------------------------
@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """A token bucket per identity: ``burst`` requests at once, refilled at ``per_minute``."""

    def __init__(self, per_minute: float, burst: int, clock=time.monotonic):
        self.per_minute = per_minute
        self.burst = max(1, burst)
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, identity: str, per_minute: float | None = None, burst: int | None = None) -> float:
        """Take one token. Returns 0 when allowed, else the seconds until a token is free."""
        rate = (per_minute if per_minute is not None else self.per_minute) / 60.0
        size = float(max(1, burst if burst is not None else self.burst))
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(identity)
            if bucket is None:
                bucket = self._buckets[identity] = _Bucket(size, now)
            bucket.tokens = min(size, bucket.tokens + (now - bucket.stamp) * rate)
            bucket.stamp = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / rate if rate > 0 else float("inf")


# ---- the FastAPI dependency -----------------------------------------------------------------
bearer = HTTPBearer(auto_error=False, description="An API key from `assistant keys add NAME`.")


@dataclass(frozen=True)
class Caller:
    name: str  # the key's name, or "anonymous" on loopback without a key
    identity: str  # what the rate limit counts


async def require_caller(request: Request,
                         credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Caller:
    """Who is calling (checked key or anonymous loopback), after their rate limit."""
    state = request.app.state
    key = credentials.credentials if credentials else request.headers.get("x-api-key")
    if key and not state.require_key and not state.keys.keys:
        key = None  # keys are optional here and none exist: OpenAI clients send a placeholder ("none")
    if key:
        found = state.keys.match(key.strip())
        if found is None:
            raise ApiError(401, "invalid API key (keys are made with `assistant keys add NAME`)",
                           code="invalid_api_key")
        caller, per_minute, burst = Caller(found.name, f"key:{found.name}"), found.rate_per_minute, found.burst
    elif state.require_key:
        raise ApiError(401, "this server requires an API key: send 'Authorization: Bearer KEY' "
                            "(make one with `assistant keys add NAME`)", code="missing_api_key")
    else:
        host = request.client.host if request.client else "local"
        caller, per_minute, burst = Caller("anonymous", f"addr:{host}"), None, None
    wait = state.rate.take(caller.identity, per_minute, burst)
    if wait > 0:
        raise ApiError(429, f"rate limit reached for {caller.name!r}: try again in {wait:.1f} s "
                            "(ASSISTANT_API__RATE_PER_MINUTE, ASSISTANT_API__BURST)",
                       code="rate_limit_exceeded", headers={"Retry-After": str(max(1, round(wait + 0.5)))})
    request.state.caller = caller
    return caller
