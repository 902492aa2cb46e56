"""Numba set-up for the test suite (tests, doctests and benchmarks).

Numba's on-disk cache is keyed by the source file of each cached function
only: after an edit to an inlined helper in another file (say
``kernels/grid.py``), a kernel in ``kernels/online.py`` would still load its
stale machine code. The suite therefore caches into a directory named after
a hash of every kernel source (``fastsom/kernels/`` and the decorators in
``fastsom/_jit.py``, the only places jitted code lives), so a kernel change
compiles fresh, while edits elsewhere (estimator, plots, command line) and an
unchanged tree reuse the cache between runs.
"""

import hashlib
import os
import pathlib
import tempfile

_root = pathlib.Path(__file__).resolve().parent
_digest = hashlib.sha256()
for _path in [_root / "fastsom" / "_jit.py", *sorted((_root / "fastsom" / "kernels").rglob("*.py"))]:
    _digest.update(_path.read_bytes())
os.environ.setdefault(
    "NUMBA_CACHE_DIR", os.path.join(tempfile.gettempdir(), f"fastsom-numba-{_digest.hexdigest()[:16]}")
)
