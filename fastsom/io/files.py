"""Writing files so that a crash never leaves half of one."""

import contextlib
import os
import tempfile


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path, mode="wb", **open_kwargs):
    """Open a temporary file beside ``path`` for writing; rename it to ``path`` on success.

    The rename is atomic on POSIX and Windows, so ``path`` holds either its
    old content or the complete new one. On any error (or Ctrl-C) the
    temporary file is removed and ``path`` is untouched. The file gets the
    permissions a plain ``open`` would give it (mkstemp's are owner-only).

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> with atomic_write(os.path.join(folder, "a.txt"), "w") as stream:
    ...     _ = stream.write("done")
    >>> os.listdir(folder)
    ['a.txt']
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    suffix = os.path.splitext(path)[1]
    handle, temporary = tempfile.mkstemp(prefix=".fastsom-", suffix=suffix, dir=folder)
    try:
        os.chmod(temporary, 0o666 & ~_umask())
        with os.fdopen(handle, mode, **open_kwargs) as stream:
            yield stream
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
