"""fastsom: fast, exact Self-Organising Maps for Python.

>>> from fastsom import SOM

Layout, top-down (each module imports only from the rows below it):

=====================  =====================================================
``loading``            ``load`` and ``import_cod``: files to fitted maps.
``som``                The estimator: ``fit``/``partial_fit``; queries come
                       from ``analysis.queries``. ``SOM._from_fitted`` is
                       the one door for building fitted maps from parts.
``tutorial``           The tutorial's configuration ("article mode").
``cli/``               The command line (``commands``) and the demos.
``io/``                Files: model files (``model``: format, save, checked
                       read), SOM_PAK codebooks, data tables, IDX, atomic
                       writes. Knows files, not the estimator class.
``analysis/``          What a map says: metrics, summaries, plots.
``settings``           Parameters validated and frozen at fit
                       (``Settings``); everything after ``fit`` reads it.
``training/``          The plan (all randomness), schedules, initial maps,
                       the online and batch drivers, monitor and progress.
``topology``,          The grid; every option name and its kernel code;
``options``,           exceptions; input checks.
``exceptions``,
``_validation``
``kernels/``           Numba kernels, grouped by what they compute: ``sweep``
                       (fused online), ``accumulate`` (batch BMUs and
                       statistics), ``bmu`` (the BMU rule), ``quality``,
                       ``distances``, ``grid``, ``neighborhoods``. No
                       validation, no allocation in hot loops.
``_jit``               Every numba option.
=====================  =====================================================

Why these boundaries: kernels are pure functions of arrays so they can be
checked against ``reference/`` one by one; training drivers own the loop
around them (blocks, interrupts) but no parameter parsing; ``settings``
turns parameters into values once, so the estimator and every reader of a
fitted map agree on them; ``io`` reads untrusted files into arrays and
settings and ``loading`` builds the estimator from them, so the estimator and
its file formats do not import each other.
"""

from ._version import __version__
from .exceptions import NotFittedError, TrainingDiverged
from .io.sompak import export_cod
from .loading import import_cod, load
from .som import SOM
from .training.online import train_online
from .training.plan import TrainingPlan, make_plan
from .tutorial import tutorial_schedules, tutorial_som

__all__ = [
    "SOM",
    "NotFittedError",
    "TrainingDiverged",
    "TrainingPlan",
    "make_plan",
    "train_online",
    "tutorial_schedules",
    "tutorial_som",
    "load",
    "export_cod",
    "import_cod",
    "__version__",
]
