"""Back up a running installation and restore it into an empty one.

A backup is a folder (0700) holding:

- ``database.dump`` (PostgreSQL, ``pg_dump --format=custom``: one consistent snapshot taken
  in a single transaction while the app keeps running) or ``database.sqlite3`` (the embedded
  default, copied with SQLite's online backup API, which is consistent while the web process
  and the worker write);
- ``media/``: the stored files (reports), copied after the database snapshot, so every file a
  snapshot row names already existed (a report still rendering in the snapshot is re-queued by
  the sweep after a restore);
- ``manifest.json``: when, which engine, and every media file with its size and SHA-256.

Restoring refuses a database that already holds archreview tables or a media folder that is
not empty: it never merges into, or overwrites, a live installation.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.private import private_dir

MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
FORMAT = 1


class BackupError(Exception):
    """A backup or restore that cannot proceed; ``str()`` says why and what to do."""


@dataclass(frozen=True)
class BackupSummary:
    folder: Path
    engine: str
    files: int
    bytes: int


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise BackupError(f"backing up a {vendor} database is not supported")
    return vendor


def _pg_env() -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump / pg_restore from the default database settings
    (the password travels in the environment, never on the command line)."""
    db = settings.DATABASES["default"]
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError:
        raise BackupError(
            f"{command[0]} is not installed: install the PostgreSQL client of the server's "
            "version (Debian: postgresql-client), or use the pg_dump of the database "
            "container as the README's operations section shows"
        ) from None
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:2000]}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _copy_tree_private(source: Path, target: Path) -> list[dict]:
    """Copy every file under ``source`` to ``target`` (0700 folders, 0600 files)."""
    files: list[dict] = []
    private_dir(target)
    if not source.is_dir():
        return files
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if path.is_dir():
            private_dir(target / relative)
        elif path.is_file():
            private_dir((target / relative).parent)
            destination = target / relative
            fd = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with path.open("rb") as src, os.fdopen(fd, "wb") as dst:
                shutil.copyfileobj(src, dst)
            os.chmod(destination, 0o600)
            files.append(
                {"path": relative.as_posix(), "size": path.stat().st_size, "sha256": _sha256(path)}
            )
    return files


def backup_create(*, folder: Path) -> BackupSummary:
    """Back up the database, then the media folder, into ``folder`` (new or empty)."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: give a new folder for each backup")
    private_dir(folder)
    engine = _engine()
    if engine == "postgresql":
        args, env = _pg_env()
        dump = folder / PG_DUMP
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(dump), *args], env)
        os.chmod(dump, 0o600)
    else:
        target = folder / SQLITE_COPY
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.close(fd)
        source = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]))
        copy = sqlite3.connect(str(target))
        try:
            with copy:
                source.backup(copy)  # online: pages written meanwhile are copied again
        finally:
            copy.close()
            source.close()
    files = _copy_tree_private(Path(settings.MEDIA_ROOT), folder / "media")
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "engine": engine,
        "media": files,
    }
    path = folder / MANIFEST
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=1)
    return BackupSummary(folder, engine, len(files), sum(f["size"] for f in files))


def _database_is_empty() -> bool:
    return "django_migrations" not in connection.introspection.table_names()


def backup_restore(*, folder: Path) -> BackupSummary:
    """Restore ``folder`` into the configured database and media folder, both empty."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder} is not an archreview backup ({exc})") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{folder}: backup format {manifest.get('format')!r} is not known")
    engine = _engine()
    if manifest["engine"] != engine:
        raise BackupError(
            f"{folder} holds a {manifest['engine']} backup; this installation uses {engine}"
        )
    if not _database_is_empty():
        raise BackupError(
            "the database is not empty: restore into a new, empty database (never over a "
            "running installation)"
        )
    media = Path(settings.MEDIA_ROOT)
    if media.exists() and any(media.iterdir()):
        raise BackupError(f"the media folder {media} is not empty: restore into an empty one")
    for entry in manifest["media"]:  # check the copy before touching anything
        path = folder / "media" / entry["path"]
        if not path.is_file() or _sha256(path) != entry["sha256"]:
            raise BackupError(f"{path} is missing or damaged; nothing was restored")
    if engine == "postgresql":
        connection.close()  # pg_restore needs no session of ours on the database
        args, env = _pg_env()
        _run(["pg_restore", "--no-owner", "--exit-on-error", *args, str(folder / PG_DUMP)], env)
    else:
        connection.close()
        source = sqlite3.connect(str(folder / SQLITE_COPY))
        target = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]))
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
    files = _copy_tree_private(folder / "media", media)
    return BackupSummary(folder, engine, len(files), sum(f["size"] for f in files))
