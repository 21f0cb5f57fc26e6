"""Files under the storage root: server-generated names only, written atomically."""
import os
import tempfile
from pathlib import Path

from flask import current_app


def root() -> Path:
    return Path(current_app.config["STORAGE_ROOT"]).resolve()


def path_for(key: str) -> Path:
    """The absolute path of a storage key; refuses anything that would leave the root."""
    base = root()
    path = (base / key).resolve()
    if base not in path.parents:
        raise ValueError(f"storage key outside the root: {key!r}")
    return path


def write_bytes(key: str, data: bytes) -> Path:
    """Write through a temporary file and rename, so a crash never leaves half a file."""
    path = path_for(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def exists(key: str | None) -> bool:
    return bool(key) and path_for(key).is_file()
