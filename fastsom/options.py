"""Every user-facing option name, and the code each stands for.

Estimator parameters, the command line and the model files all take their
choices from here, so adding an option is one edit. Kernels receive the
integer codes (named in ``fastsom.kernels``); schedules, being functions,
live with their names in :mod:`fastsom.training.schedules`.

Distances (``distance=``)
-------------------------
Distance metrics for the BMU search, by name.

``euclidean`` (default), ``cosine``, ``manhattan``, ``chebyshev``; see
:mod:`fastsom.kernels.distances` for the formulas. The metric decides which
unit is the BMU and what the quantization error measures; the update rule
(pull the weights towards the sample) is the same for all.

Neighbourhoods (``neighborhood=``)
----------------------------------
Neighbourhood functions by name.

=================== ========================================================
name                influence of a unit at squared grid distance d2 from
                    the BMU (d = sqrt(d2), in grid units)
=================== ========================================================
``gaussian``        ``exp(-d2 / (2 sigma^2))`` on the whole map (MiniSom's
                    default)
``gaussian_cutoff`` the tutorial's: the same gaussian, but only where
                    ``d2 <= sigma^2``; units outside the radius do not move
``bubble``          1 where ``d2 <= sigma^2``, else 0: a disc (MiniSom's
                    bubble is a square of side 2 sigma with strict bounds)
``triangle``        ``max(0, 1 - d / sigma)``: a cone (MiniSom's triangle is
                    a product of one triangle per axis)
``mexican_hat``     ``(1 - d2 / sigma^2) exp(-d2 / (2 sigma^2))``: pulls the
                    near units in and pushes units beyond sigma out
=================== ========================================================

All are functions of the grid distance, so they honour hexagonal spacing
and toroidal wrap-around. The kernels implement them in
:mod:`fastsom.kernels.neighborhoods`; this module owns the names.
"""

import numpy as np

from .kernels import distances as _distances
from .kernels import neighborhoods as _neighborhoods

#: Training algorithms (see :class:`fastsom.SOM`).
ALGORITHMS = ("online", "batch")

#: Grid shapes (see :mod:`fastsom.topology`).
TOPOLOGIES = ("rectangular", "hexagonal")

#: Initial maps (see :mod:`fastsom.training.init`).
INITS = ("random", "sample", "pca")

#: What NaN in the data means (see :mod:`fastsom.missing`): "error" refuses
#: it, "ignore" treats it as a missing value.
MISSING = ("error", "ignore")

#: dtypes a map can be trained in.
DTYPES = {"float32": np.float32, "float64": np.float64}

DISTANCES = {
    "euclidean": _distances.EUCLIDEAN,
    "cosine": _distances.COSINE,
    "manhattan": _distances.MANHATTAN,
    "chebyshev": _distances.CHEBYSHEV,
}

NEIGHBORHOODS = {
    "gaussian": _neighborhoods.GAUSSIAN,
    "gaussian_cutoff": _neighborhoods.GAUSSIAN_CUTOFF,
    "bubble": _neighborhoods.BUBBLE,
    "triangle": _neighborhoods.TRIANGLE,
    "mexican_hat": _neighborhoods.MEXICAN_HAT,
}
