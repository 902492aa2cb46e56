"""Smoothing of the batch map: ``H @ stats`` without ever forming ``H``.

Step 3 of a batch epoch (see :mod:`fastsom.kernels.accumulate` for steps 1
and 2 and :mod:`fastsom.training.batch` for the driver): the per-unit sums
and counts are smoothed over the grid, ``(H @ stats)[u] = sum_v h(d2(u, v),
sigma) stats[v]``, and ``kernels.accumulate.divide`` turns the result into
the new weights. :func:`smooth_gaussian` uses the gaussian's separability
on the lattice; :func:`smooth_truncated` visits only the units within the
support of a neighbourhood that vanishes beyond a radius. Each output
element sums its terms in lattice order, whatever the thread computing it,
so the result does not depend on the number of threads.
"""

import math

import numpy as np

from .._jit import inline_jit, parallel_jit, prange
from .grid import position_d2
from .neighborhoods import neighborhood


@inline_jit
def _axis_factors(length, period, weight, sigma):
    """exp(-weight * d^2 / (2 sigma^2)) for lattice offsets d = 0 .. length - 1 along one axis.

    With a period the offset is wrapped to its minimum image first.
    """
    factors = np.empty(length)
    scale = -weight / (2.0 * sigma * sigma)
    for d in range(length):
        dw = float(d)
        if period > 0.0 and period - dw < dw:
            dw = period - dw
        # d = 0 is 1 exactly, also when sigma^2 underflows (0 * inf = nan).
        factors[d] = math.exp(scale * (dw * dw)) if d > 0 else 1.0
    return factors


@parallel_jit(reassociate=False)
def smooth_gaussian(stats, coords, cell_unit, geometry, sigma, tmp, out):
    """``out = H @ stats`` for the gaussian neighbourhood, by separable smoothing.

    stats     IN  (n_units, n_columns) float64
    coords    IN  (n_units, 2) float64, integer-valued lattice coordinates
    cell_unit IN  (L_r, L_c) int64, the unit at each lattice cell, -1 where
                  none sits (hexagonal maps fill every other cell); on a
                  torus (L_r, L_c) are the periods
    geometry  IN  (4,) float64, see kernels.grid
    sigma     IN  float, the radius
    tmp       OUT (L_r, L_c, n_columns) float64, scratch
    out       OUT (n_units, n_columns) float64,
                  ``out[u] = sum_v exp(-d2(u, v) / (2 sigma^2)) stats[v]``

    ``d2 = weight_r dr^2 + weight_c dc^2`` in lattice coordinates, so the
    gaussian is a product of one factor per axis: smooth the lattice along
    rows (``tmp``, every cell), then along columns (read only at the units).
    That costs O(n_cells (L_r + L_c) n_columns) instead of
    O(n_units^2 n_columns), and memory O(n_cells n_columns) instead of
    O(n_units^2). Factors that underflow to exactly 0 are skipped, which
    does not change any sum. Each output element sums its terms in lattice
    order, whatever the thread that computes it.
    """
    n_units, n_columns = stats.shape
    n_lat_rows, n_lat_cols = cell_unit.shape
    row_factors = _axis_factors(n_lat_rows, geometry[0], geometry[2], sigma)
    col_factors = _axis_factors(n_lat_cols, geometry[1], geometry[3], sigma)
    for r in prange(n_lat_rows):
        for c in range(n_lat_cols):
            for k in range(n_columns):
                tmp[r, c, k] = 0.0
        for r2 in range(n_lat_rows):
            f = row_factors[abs(r - r2)]
            if f == 0.0:
                continue
            for c in range(n_lat_cols):
                v = cell_unit[r2, c]
                if v >= 0:
                    for k in range(n_columns):
                        tmp[r, c, k] += f * stats[v, k]
    for u in prange(n_units):
        r = int(coords[u, 0])
        c = int(coords[u, 1])
        for k in range(n_columns):
            out[u, k] = 0.0
        for c2 in range(n_lat_cols):
            f = col_factors[abs(c - c2)]
            if f == 0.0:
                continue
            for k in range(n_columns):
                out[u, k] += f * tmp[r, c2, k]


@inline_jit
def _window(centre, reach, length, period):
    """First and last + 1 lattice index (before wrapping) within ``reach`` of ``centre``.

    A torus whose window would cover the axis twice gets the axis once.
    """
    if period > 0.0:
        if 2 * reach + 1 >= length:
            return 0, length
        return centre - reach, centre + reach + 1
    return max(0, centre - reach), min(length, centre + reach + 1)


@parallel_jit(reassociate=False)
def smooth_truncated(stats, coords, cell_unit, geometry, kind, sigma, radius2, out):
    """``out = H @ stats`` for a neighbourhood that vanishes beyond a radius, sparsely.

    stats     IN  (n_units, n_columns) float64
    coords    IN  (n_units, 2) float64, integer-valued lattice coordinates
    cell_unit IN  (L_r, L_c) int64, see :func:`smooth_gaussian`
    geometry  IN  (4,) float64, see kernels.grid
    kind      IN  int, a code from kernels.neighborhoods
    sigma     IN  float, the radius
    radius2   IN  float, units farther than this squared grid distance are
                  skipped: ``sigma^2`` where h vanishes beyond sigma (bubble,
                  gaussian_cutoff, triangle), a truncation elsewhere (see
                  fastsom.training.batch.support_radius2)
    out       OUT (n_units, n_columns) float64,
                  ``out[u] = sum_{v: d2(u, v) <= radius2} h(d2(u, v), sigma) stats[v]``

    Each unit visits only the lattice cells of the box around it that can
    hold units within the radius, computes h on the fly, and sums in lattice
    order: O(n_units * units in the box * n_columns) time, no memory beyond
    ``out``. Parallel over units; each unit's sum is independent.
    """
    n_units, n_columns = stats.shape
    n_lat_rows, n_lat_cols = cell_unit.shape
    period_r, period_c, weight_r, weight_c = geometry[0], geometry[1], geometry[2], geometry[3]
    # +1: a margin against rounding in the square root; h decides at the edge.
    # (In float first: a huge radius must not overflow the integer cast.)
    reach_r = int(min(float(n_lat_rows), math.sqrt(radius2 / weight_r) + 1.0))
    reach_c = int(min(float(n_lat_cols), math.sqrt(radius2 / weight_c) + 1.0))
    for u in prange(n_units):
        ur = coords[u, 0]
        uc = coords[u, 1]
        for k in range(n_columns):
            out[u, k] = 0.0
        r_lo, r_hi = _window(int(ur), reach_r, n_lat_rows, period_r)
        c_lo, c_hi = _window(int(uc), reach_c, n_lat_cols, period_c)
        for rt in range(r_lo, r_hi):
            r2 = (rt + n_lat_rows) % n_lat_rows
            for ct in range(c_lo, c_hi):
                v = cell_unit[r2, (ct + n_lat_cols) % n_lat_cols]
                if v < 0:
                    continue
                d2 = position_d2(ur, uc, coords[v, 0], coords[v, 1], period_r, period_c, weight_r, weight_c)
                if d2 > radius2:
                    continue
                f = neighborhood(kind, d2, sigma)
                if f == 0.0:
                    continue
                for k in range(n_columns):
                    out[u, k] += f * stats[v, k]
