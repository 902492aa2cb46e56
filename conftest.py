"""pytest set-up shared by tests/, the doctests and bench/.

Numba's cache policy (where kernels are cached, fresh machine code after an
edit to any kernel source, the ``FASTSOM_NO_CACHE`` switch) lives in
``fastsom/_jit.py`` and applies to the suite as to every user: nothing about
it is set here.

The oracle is ``reference/`` in this repository and ships inside installs as
``fastsom._reference`` (setup.cfg's ``package_dir``), the only name
``fastsom verify`` imports. An editable install maps that name to its own
checkout's ``reference/``; a run from a checkout without one, or beside
another checkout's editable install, would miss it or check another tree's
oracle. So, for the tests run in-process, the name is bound to this
checkout's ``reference`` package here. (``tests/test_install.py`` checks the
name as installs provide it.)
"""

import importlib
import sys


def pytest_configure(config):
    sys.modules.setdefault("fastsom._reference", importlib.import_module("reference"))
