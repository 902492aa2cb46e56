"""Writing files so that a crash never leaves half of one, and never replaces what is not a file."""

import contextlib
import os
import stat
import tempfile


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path, mode="wb", **open_kwargs):
    """Open ``path`` for writing so that it holds its old content or the complete new one.

    A regular file (or a new one) is written to a temporary file beside it,
    renamed over it on success (atomic on POSIX and Windows) and removed on
    any error or Ctrl-C. A symbolic link is followed: its target is
    replaced, the link stays. Anything else at ``path`` (standard output, a
    pipe, a device) is not a file to replace: it is written directly, so
    ``-o /dev/stdout`` prints. The file gets the permissions a plain
    ``open`` would give it (mkstemp's are owner-only). A temporary left by a
    killed process is named ``.<name>.fastsom-tmp-XXXX`` beside the target,
    where it is found and can be deleted.

    Errors name ``path`` as the caller gave it.

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> with atomic_write(os.path.join(folder, "a.txt"), "w") as stream:
    ...     _ = stream.write("done")
    >>> os.listdir(folder)
    ['a.txt']
    """
    given = os.fspath(path)
    if not given:
        raise ValueError("the output path is empty")
    try:
        mode_bits = os.stat(given).st_mode  # follows links: /dev/stdout is the pipe or terminal behind it
    except FileNotFoundError:
        mode_bits = None
    except OSError as error:
        raise OSError(f"{given}: cannot write there: {error.strerror}") from None
    if mode_bits is not None and stat.S_ISDIR(mode_bits):
        raise IsADirectoryError(f"{given} is a directory, not a file to write")
    if mode_bits is not None and not stat.S_ISREG(mode_bits):
        with open(given, mode, **open_kwargs) as stream:
            yield stream
        return
    target = os.path.realpath(given)  # a symlink's target is what gets replaced; the link stays
    folder, name = os.path.split(target)
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{name}.fastsom-tmp-", dir=folder)
    except OSError as error:
        raise OSError(f"{given}: cannot write in {folder}: {error.strerror}") from None
    try:
        os.chmod(temporary, 0o666 & ~_umask())
        with os.fdopen(handle, mode, **open_kwargs) as stream:
            yield stream
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
