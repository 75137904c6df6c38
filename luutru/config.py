"""Operator configuration: `<data>/luutru.toml` (or `--config FILE` / `LUUTRU_CONFIG`).

Everything has a default, so a missing file is a valid configuration. Unknown keys are
refused by name, like site profiles.

```toml
[schedule]
max_duration_minutes = 360   # a crawl running longer is stopped and marked failed
misfire_grace_seconds = 3600 # a run missed by less than this still runs (coalesced)
shutdown_grace_seconds = 60  # SIGTERM: running crawls get this long to finish
jitter_seconds = 0           # default per-site start jitter

[logs]
keep = 100                   # log files kept per site (older ones are deleted)

[notify]
webhook_url = "https://chat.example/hook"   # POSTed a JSON message per failed/unhealthy run
smtp_host = "localhost"
smtp_port = 25
smtp_from = "luutru@example.org"
smtp_to = ["ops@example.org"]

[server]
operator_token = "a long random string"  # `luutru serve`: "run now" needs it (empty: read-only)
workers = 0                  # `luutru serve` processes; 0: one per CPU (--workers overrides)
access_log = false           # `luutru serve` prints a line per request (--access-log)

[database]
url = "postgresql+psycopg://luutru@localhost/luutru"  # default: <data>/archive.sqlite

[export]
wacz_signing_key = "/etc/luutru/wacz-p384.pem"  # `export --format wacz` signs with it

[cluster]
# Scheduled crawls go to these Scrapyd workers (`luutru worker`) instead of local
# subprocesses; empty: this machine crawls. docs/deployment.md.
scrapyd_nodes = ["http://crawl1.internal:6800", "http://crawl2.internal:6800"]
scrapyd_project = "luutru"
scrapyd_username = ""        # Scrapyd's HTTP basic auth, when its nodes require it
scrapyd_password = ""
poll_seconds = 10            # how often a dispatched job's state is asked for
scheduler_lease_seconds = 60 # a standby `luutru schedule` takes over this long after
                             # the active one stopped renewing its lease
```

The database URL is taken from `--db`, else env `LUUTRU_DB`, else `[database] url`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CONFIG_NAME = "luutru.toml"


@dataclass(frozen=True)
class ScheduleConfig:
    max_duration_minutes: float = 360
    misfire_grace_seconds: int = 3600
    shutdown_grace_seconds: float = 60
    jitter_seconds: int = 0


@dataclass(frozen=True)
class LogsConfig:
    keep: int = 100


@dataclass(frozen=True)
class NotifyConfig:
    webhook_url: str = ""
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = ""
    smtp_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class ServerConfig:
    operator_token: str = ""  # empty: the web UI refuses every write action
    workers: int = 0  # `luutru serve` processes (0: one per CPU); --workers overrides it
    # A line per request on stderr; off by default: it was ~5% of a request's CPU, and a
    # proxy in front usually keeps the access log. --access-log turns it on.
    access_log: bool = False


@dataclass(frozen=True)
class DatabaseConfig:
    url: str = ""  # SQLAlchemy URL of the archive database; empty: <data>/archive.sqlite


@dataclass(frozen=True)
class ExportConfig:
    # PEM file of an ECDSA P-384 key: WACZ packages are signed (the spec's anonymous
    # form); empty: unsigned. `export --signing-key` / env LUUTRU_WACZ_KEY override it.
    wacz_signing_key: str = ""


@dataclass(frozen=True)
class ClusterConfig:
    scrapyd_nodes: tuple[str, ...] = ()
    scrapyd_project: str = "luutru"
    scrapyd_username: str = ""
    scrapyd_password: str = ""
    poll_seconds: float = 10
    scheduler_lease_seconds: float = 60


@dataclass(frozen=True)
class Config:
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    logs: LogsConfig = field(default_factory=LogsConfig)
    notify: NotifyConfig = field(default_factory=NotifyConfig)
    server: ServerConfig = field(default_factory=ServerConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    export: ExportConfig = field(default_factory=ExportConfig)
    path: str = ""


_TABLES: dict[str, type] = {
    "schedule": ScheduleConfig,
    "logs": LogsConfig,
    "notify": NotifyConfig,
    "server": ServerConfig,
    "database": DatabaseConfig,
    "cluster": ClusterConfig,
    "export": ExportConfig,
}


class ConfigError(ValueError):
    pass


def load_config(data_dir: str | Path, explicit: str | Path | None = None) -> Config:
    path = Path(explicit or os.environ.get("LUUTRU_CONFIG") or Path(data_dir) / CONFIG_NAME)
    if not path.is_file():
        if explicit:
            raise ConfigError(f"{path}: no such configuration file")
        return Config()
    import tomllib  # here: most archives have no configuration file to parse

    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:  # unreadable: permissions, not text
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(f"{path}: cannot read the configuration: {why}") from exc
    tables: dict[str, Any] = {}
    for name, values in raw.items():
        cls = _TABLES.get(name)
        if cls is None or not isinstance(values, dict):
            raise ConfigError(f"{path}: unknown table [{name}] (known: {', '.join(_TABLES)})")
        known = cls.__dataclass_fields__
        for key, value in values.items():
            if key not in known:
                raise ConfigError(f"{path}: [{name}] unknown key '{key}'")
            _check_type(path, name, key, value, known[key].type, getattr(cls(), key))
        if "smtp_to" in values:
            values = {**values, "smtp_to": tuple(values["smtp_to"])}
        if name == "cluster":
            values = _cluster_values(path, values)
        tables[name] = cls(**values)
    return Config(**tables, path=str(path))


def _check_type(path: Path, table: str, key: str, value: Any, declared: Any, default: Any) -> None:
    """A value of the key's kind (a number where a number is expected, …), else refused
    here by name rather than failing later, far from the file."""
    if isinstance(default, bool):
        ok, kind = isinstance(value, bool), "true or false"
    elif declared in ("int", int):
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        kind = "a whole number (0 or more)"
    elif isinstance(default, int | float):
        ok = isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
        kind = "a number (0 or more)"
    elif isinstance(default, str):
        ok, kind = isinstance(value, str), "a string"
    elif isinstance(default, tuple):
        ok, kind = isinstance(value, list), "a list"
    else:
        return
    if not ok:
        raise ConfigError(f"{path}: [{table}] {key} must be {kind}, not {value!r}")


def _cluster_values(path: Path, values: dict[str, Any]) -> dict[str, Any]:
    nodes = values.get("scrapyd_nodes", [])
    if not isinstance(nodes, list) or not all(
        isinstance(n, str) and n.startswith(("http://", "https://")) for n in nodes
    ):
        raise ConfigError(f"{path}: [cluster] scrapyd_nodes must be a list of http(s) URLs")
    for key in ("poll_seconds", "scheduler_lease_seconds"):
        value = values.get(key, 1)
        if not isinstance(value, int | float) or value <= 0:
            raise ConfigError(f"{path}: [cluster] {key} must be a positive number")
    return {**values, "scrapyd_nodes": tuple(n.rstrip("/") for n in nodes)}


def resolve_db(
    db: str | None, data_dir: str | Path, explicit: str | Path | None = None
) -> str | None:
    """The archive database URL: ``db`` (``--db``), else env ``LUUTRU_DB``, else the
    configuration's ``[database] url``; None means the SQLite file under ``data_dir``."""
    url = db or os.environ.get("LUUTRU_DB") or load_config(data_dir, explicit).database.url
    return url or None
