"""Which rows of the data hold missing values (NaN), and how much of each row is observed.

One pass over X, parallel over rows (each row's answer is its own, so the
result does not depend on the number of threads). Used once per fit or
query of data that may hold NaN (``missing="ignore"``), never on data
without: see :mod:`fastsom.missing`.
"""

from .._jit import parallel_jit, prange
from .bmu import TASK_ROWS


@parallel_jit
def missing_per_row(X, mu, n_missing, observed):
    """Per row of X: the number of NaN and the weight of its observed features.

    X               IN  (n_samples, n_features), float32 or float64
    mu              IN  (n_features,) float64, the feature weights (ones: none)
    n_missing       OUT (n_samples,) int64
    observed        OUT (n_samples,) float64, sum of the weights of the
                        observed features (0: nothing to match the row on)
    """
    n_samples, n_features = X.shape
    n_tasks = (n_samples + TASK_ROWS - 1) // TASK_ROWS
    for t in prange(n_tasks):
        for i in range(t * TASK_ROWS, min(n_samples, (t + 1) * TASK_ROWS)):
            count = 0
            weight = 0.0
            for k in range(n_features):
                if X[i, k] != X[i, k]:
                    count += 1
                else:
                    weight += mu[k]
            n_missing[i] = count
            observed[i] = weight
