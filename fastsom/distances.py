"""Distance metrics for the BMU search, by name.

``euclidean`` (default), ``cosine``, ``manhattan``, ``chebyshev``; see
:mod:`fastsom.kernels.distances` for the formulas. The metric decides which
unit is the BMU and what the quantization error measures; the update rule
(pull the weights towards the sample) is the same for all.
"""

from .kernels import distances as _kernels

DISTANCES = {
    "euclidean": _kernels.EUCLIDEAN,
    "cosine": _kernels.COSINE,
    "manhattan": _kernels.MANHATTAN,
    "chebyshev": _kernels.CHEBYSHEV,
}
