"""Distances between two vectors, written out term by term.

``euclidean`` returns the *squared* distance, as the tutorial's
``find_bmu`` does ("don't bother with actual Euclidean distance"): BMU
searches rank by it, and the square root is taken only to report errors.
"""

import math


def euclidean(a, b):
    """Squared Euclidean distance (sum of squared differences, left to right)."""
    total = 0.0
    for k in range(len(a)):
        total += (a[k] - b[k]) ** 2
    return total


def cosine(a, b):
    """1 - cos(angle); 1 when either vector is zero (it has no direction)."""
    dot = sum(a[k] * b[k] for k in range(len(a)))
    norm_a = math.sqrt(sum(v * v for v in a))
    norm_b = math.sqrt(sum(v * v for v in b))
    if norm_a == 0 or norm_b == 0:
        return 1.0
    return 1.0 - dot / (norm_a * norm_b)


def manhattan(a, b):
    """Sum of absolute differences."""
    return sum(abs(a[k] - b[k]) for k in range(len(a)))


def chebyshev(a, b):
    """Largest absolute difference."""
    return max(abs(a[k] - b[k]) for k in range(len(a)))


DISTANCES = {"euclidean": euclidean, "cosine": cosine, "manhattan": manhattan, "chebyshev": chebyshev}


def to_metric(name, value):
    """The reported distance: the square root for euclidean."""
    return math.sqrt(value) if name == "euclidean" else value
