"""The preview's temporary folder: made fresh for each preview, removed whatever stops it.

Ctrl-C, kill and a hang-up stop the preview cleanly and it removes the folder itself. After kill -9 or a
crash, its full build (which learns of the preview's end from its stdin pipe) removes it. A folder left
anyway (no build was running, a power cut) is removed by the next preview: the preview and its full build
each hold a shared flock on the folder while they live, and a folder marked OWNED whose lock anyone can
take is abandoned. Where flock is missing (Windows) or fails (NFS), folders are neither marked nor swept.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no flock, so abandoned folders are not looked for
    fcntl = None  # type: ignore[assignment]

FOLDER_PREFIX = "playbookgen-serve-"  # in the system's temporary folder
OWNED = "owned"  # made once the preview holds the folder's lock


def own_folder() -> tuple[Path, int | None]:
    """A fresh temporary folder for the preview, and a descriptor holding a shared lock on it while this
    process lives (None where flock is missing or fails, as it may on NFS). Folders of previews that ended
    without removing theirs (kill -9, a crash, a power cut) are removed first: nothing holds their lock."""
    base = Path(tempfile.gettempdir())
    if fcntl is not None:
        for folder in sorted(base.glob(f"{FOLDER_PREFIX}*")):
            _remove_if_abandoned(folder)
    folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX))
    handle = hold(folder)
    if handle is not None:
        with contextlib.suppress(OSError):
            (folder / OWNED).touch()  # only now: a folder with this file and a free lock is abandoned
    return folder, handle


def hold(folder: Path) -> int | None:
    """A descriptor holding a shared lock on `folder` (the preview and its full build each hold one), or
    None when it cannot be had; a folder never locked is never marked, so never swept."""
    if fcntl is None:
        return None
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        os.close(handle)
        return None
    return handle


def _remove_if_abandoned(folder: Path) -> None:
    """Remove a preview's folder when no process holds its lock; leave anything else alone."""
    assert fcntl is not None
    try:
        info = os.lstat(folder)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or not (folder / OWNED).is_file():
            return  # not a folder a preview of this user finished setting up (or another user's)
        handle = os.open(folder, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # held by a running preview or its full build (or flock cannot tell)
        os.close(handle)
        return
    try:
        remove_folder(folder)
    finally:
        os.close(handle)


def remove_folder(folder: Path) -> None:
    """Remove a preview's folder, its marker last: a removal that fails part way leaves a folder the next
    preview still recognises as abandoned."""
    try:
        entries = [entry for entry in folder.iterdir() if entry.name != OWNED]
    except OSError:
        entries = []
    for entry in entries:
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
    shutil.rmtree(folder, ignore_errors=True)
