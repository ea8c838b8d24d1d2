"""Writing a file so that it is either complete or not there: never half-written."""
from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path: str | Path, mode: int = 0o644):
    """A temporary path beside `path` to write to; renamed onto `path` when the block ends
    without an error, removed otherwise. The file gets `mode` (mkstemp would leave 0600)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial" + path.suffix)
    except OSError as err:
        raise _about(err, path) from err
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as err:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise _about(err, path) from err
        raise


def _about(err: OSError, path: Path) -> OSError:
    """`err` naming `path` where it named nothing (ENOSPC on a write has no file name) or only
    our temporary file, which means nothing to a user; else `err` as it is."""
    if err.filename is None or Path(err.filename).name.startswith(f".{path.name}."):
        return type(err)(err.errno, err.strerror, str(path))
    return err


def atomic_write(path: str | Path, data: str | bytes, encoding: str = "utf-8") -> Path:
    """Write `data` to `path` in one step (see atomic_path)."""
    with atomic_path(path) as tmp:
        if isinstance(data, str):
            tmp.write_text(data, encoding=encoding)
        else:
            tmp.write_bytes(data)
    return Path(path)


def fresh_folder(parent: str | Path, prefix: str, suffix: str = "") -> Path:
    """A new empty folder in `parent` that no other process uses: `<prefix><pid>-<random><suffix>`.
    Folders of the same prefix left by processes that are gone (killed, crashed) are removed."""
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    for old in parent.glob(f"{prefix}*"):
        if not _owner_alive(old.name[len(prefix):]):
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(dir=parent, prefix=f"{prefix}{os.getpid()}-", suffix=suffix))


def _owner_alive(suffix: str) -> bool:
    """Whether the process named in a fresh_folder suffix ('<pid>-<random>') still runs."""
    pid = suffix.split("-", 1)[0]
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


@contextmanager
def locked(lock_file: str | Path):
    """Hold an exclusive lock on `lock_file` (created if missing) for the block: two processes
    publishing the same output take turns instead of interleaving. The OS drops the lock when
    its holder dies, so a killed run never blocks the next one."""
    lock_file = Path(lock_file)
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
