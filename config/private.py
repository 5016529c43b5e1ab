"""Owner-only files and folders for what archreview writes, whatever the umask.

The embedded database holds password hashes and sessions, reports hold review findings, the
broker folder holds task messages: none of it is anyone else's business on a shared machine.
Folders are 0700 and files 0600; an existing folder or file of ours is tightened, not trusted.
"""

from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
# For everything a local-mode process writes under var/ through code we do not control
# (kombu's filesystem broker, celery beat's schedule, SQLite's -wal and -shm files).
PRIVATE_UMASK = 0o077


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) as 0700, or tighten it if it exists."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        folder.mkdir(exist_ok=True)
        os.chmod(folder, DIR_MODE)  # mkdir's mode is filtered by the umask; chmod is not
    os.chmod(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty as 0600 if it is missing (never truncated), or tighten it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return path
