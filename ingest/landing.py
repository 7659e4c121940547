"""A landing folder's files are read as the regular files in it, never through a symbolic link: a
link could make ingest read whatever this process may read, so it is refused (FILE_MISSING: the
listed file itself is not in the folder) with a message naming it and where it points."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from ingest.result import FolderRejected


def refuse_link(path: Path) -> None:
    """FolderRejected when ``path`` is a symbolic link."""
    if path.is_symlink():
        raise FolderRejected(
            "FILE_MISSING",
            f"{path.name} in {path.parent.name} is a symbolic link (to {os.readlink(path)}), not a file: "
            "links in a landing folder are never followed; deliver the file itself",
        )


def read_file(folder: Path, name: str) -> bytes:
    """The bytes of a regular file in the folder; a link (even one swapped in after a check) is refused."""
    path = folder / name
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as e:
        if e.errno == errno.ELOOP:
            refuse_link(path)
        raise
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise FolderRejected("FILE_MISSING", f"{name} in {folder.name} is not a regular file")
        return f.read()
