"""fastsom: fast, exact Self-Organising Maps for Python.

>>> from fastsom import SOM

Layout, top-down (each module imports only from the rows below it):

=====================  =====================================================
``loading``            ``load`` and ``import_cod``: files to fitted maps.
``supervised``         ``SOMClassifier``, ``SOMRegressor``: maps that
                       predict, a ``SOM`` plus a label per unit.
``som``                The estimator: ``fit``/``partial_fit``; queries come
                       from ``analysis.queries``. ``SOM._from_fitted`` is
                       the one door for building fitted maps from parts.
``tutorial``           The tutorial's configuration ("article mode").
``sizing``             ``suggest_shape``: a map's size from the data.
``compat/``            ``compat.MiniSom``: MiniSom's class and maps on
                       kernels of their own (``kernels.minisom``).
``cli/``               The command line (``commands``, ``large`` for data
                       bigger than memory) and the demos.
``chunked/``           Dask: batch epochs as one task per row chunk, lazy
                       queries, large files, clusters. Imported only when
                       given a dask collection.
``profiling/``         ``profile``: timed fits, phases, the machine's floor.
``io/``                Files: model files (``model``: format, save, checked
                       read), checkpoints, SOM_PAK codebooks, data tables,
                       IDX, atomic writes. Knows files, not the estimator
                       class.
``analysis/``          What a map says: metrics, summaries, plots.
``settings``           Parameters validated and frozen at fit
                       (``Settings``); everything after ``fit`` reads it.
``training/``          The plan (all randomness), schedules, initial maps,
                       the online and batch drivers, monitor and progress.
``topology``,          The grid; every option name and its kernel code;
``options``,           exceptions; input checks; which rows are masked
``exceptions``,        (missing values, feature weights).
``missing``,
``_validation``
``kernels/``           Numba kernels, grouped by what they compute: ``sweep``
                       (fused online), ``accumulate`` (batch BMUs and
                       statistics), ``smoothing`` (the batch map's H S),
                       ``bmu`` (the BMU rule and its searches),
                       ``covariance`` (the PCA start), ``quality``,
                       ``distances`` (plain and masked), ``missing``,
                       ``grid``, ``neighborhoods``, ``minisom`` and
                       ``lanes`` (MiniSom's arithmetic, NumPy's pairwise
                       sums as vector code). No validation, no allocation
                       in hot loops.
``_jit``               Every numba option; parallel kernels and their
                       serial twins.
``_threads``           When a kernel runs on numba's threads (n_jobs,
                       fork, thread-safety of numba's layer).
=====================  =====================================================

Why these boundaries: kernels are pure functions of arrays so they can be
checked against ``reference/`` one by one; training drivers own the loop
around them (blocks, interrupts) but no parameter parsing; ``settings``
turns parameters into values once, so the estimator and every reader of a
fitted map agree on them; ``io`` reads untrusted files into arrays and
settings and ``loading`` builds the estimator from them, so the estimator and
its file formats do not import each other.
"""

import importlib

from ._version import __version__

#: The public names, and the module each lives in. Imported on first use
#: (PEP 562): ``import fastsom`` and the command line's first line cost
#: nothing until a name is needed, and Ctrl-C during the heavy imports that
#: follow (numba, NumPy's BLAS) reaches code that can handle it.
_PUBLIC = {
    "SOM": ".som",
    "SOMClassifier": ".supervised",
    "SOMRegressor": ".supervised",
    "NotFittedError": ".exceptions",
    "TrainingDiverged": ".exceptions",
    "TrainingPlan": ".training.plan",
    "make_plan": ".training.plan",
    "train_online": ".training.online",
    "tutorial_schedules": ".tutorial",
    "tutorial_som": ".tutorial",
    "load": ".loading",
    "import_cod": ".loading",
    "export_cod": ".io.sompak",
    "suggest_shape": ".sizing",
    "profile": ".profiling",
}

__all__ = [*_PUBLIC, "__version__"]


def __getattr__(name):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'fastsom' has no attribute {name!r}")
    value = getattr(importlib.import_module(_PUBLIC[name], __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__():
    return sorted({*globals(), *_PUBLIC})
