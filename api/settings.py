"""Server configuration: command-line flags override environment variables override defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from cpkg.errors import InputError

ENV_PREFIX = "CPKG_"


@dataclass(frozen=True)
class Settings:
    """Everything the server needs to know; documented in docs/api.md."""

    store: str | None = "./cpkg-data"
    """Store directory (on-disk Oxigraph). ``None`` means an in-memory store (tests only)."""
    admin_token: str | None = field(default=None, repr=False)
    """Bearer token that unlocks writes; ``None`` turns every HTTP write off."""
    query_timeout: float = 30.0
    """Seconds a query may run before its worker process is killed."""
    row_limit: int = 10_000
    """Maximum result rows (or triples) of one query; more is an explicit error."""
    max_body: int = 1_000_000
    """Maximum request body in bytes."""
    cors_origins: tuple[str, ...] = ()
    """Origins allowed by CORS; empty means CORS is off."""
    max_concurrent_queries: int = 4
    """Number of query worker processes, i.e. queries running at once."""
    queue_wait: float = 2.0
    """Seconds a query waits for a free worker before 503 + Retry-After."""
    reserve_workers: int = 1
    """Extra workers that take work only when the main ones are all busy, with `reserve_timeout`."""
    reserve_timeout: float = 2.0
    """Seconds work may run on a reserve worker: small queries get answers while runaway ones
    fill the main workers."""
    query_memory_mb: int = 2048
    """Resident memory (MiB) one worker may use; past it the worker is killed (503)."""

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}

        def get(name: str) -> str | None:
            value = env.get(ENV_PREFIX + name)
            return value if value not in (None, "") else None

        if (value := get("STORE")) is not None:
            values["store"] = value
        if (value := get("ADMIN_TOKEN")) is not None:
            values["admin_token"] = value
        for name, key, kind in (
            ("QUERY_TIMEOUT", "query_timeout", float),
            ("ROW_LIMIT", "row_limit", int),
            ("MAX_BODY", "max_body", int),
            ("MAX_CONCURRENT_QUERIES", "max_concurrent_queries", int),
            ("QUEUE_WAIT", "queue_wait", float),
            ("RESERVE_WORKERS", "reserve_workers", int),
            ("RESERVE_TIMEOUT", "reserve_timeout", float),
            ("QUERY_MEMORY_MB", "query_memory_mb", int),
        ):
            if (value := get(name)) is not None:
                try:
                    values[key] = kind(value)
                except ValueError as error:
                    raise InputError(f"{ENV_PREFIX}{name}={value!r} is not a number") from error
        if (value := get("CORS_ORIGINS")) is not None:
            values["cors_origins"] = tuple(o.strip() for o in value.split(",") if o.strip())
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)  # type: ignore[arg-type]
        settings.check()
        return settings

    def check(self) -> None:
        if self.query_timeout <= 0:
            raise InputError("query timeout must be positive")
        if self.row_limit < 1:
            raise InputError("row limit must be at least 1")
        if self.max_body < 1024:
            raise InputError("body limit must be at least 1024 bytes")
        if self.max_concurrent_queries < 1:
            raise InputError("max concurrent queries must be at least 1")
        if self.reserve_workers < 0 or self.reserve_timeout <= 0:
            raise InputError("reserve workers must be at least 0, their timeout positive")
        if self.query_memory_mb < 256:
            raise InputError("the query memory limit must be at least 256 MiB")
        if self.admin_token is not None and len(self.admin_token) < 16:
            raise InputError("the admin token must be at least 16 characters")
