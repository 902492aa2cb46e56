"""What a trained map looks like: U-matrix, hits, labels, component planes.

Guts of the estimator's methods of the same names (``SOM.umatrix``,
``SOM.hit_counts``, ...), which validate their input and find the BMUs.
Every summary is laid out on the map, ``(n_rows, n_cols, ...)``, in the
units' row-major order, for any topology: plots decide how to draw cells.
"""

import warnings
from typing import NamedTuple

import numpy as np

from .. import topology as _topology
from ..kernels import quality as _quality
from ..kernels.distances import EUCLIDEAN
from ..missing import weighted_codebook


def umatrix(weights, n_rows, n_cols, topology="rectangular", toroidal=False, metric=EUCLIDEAN, connectivity=None,
            feature_weights=None):
    """Mean distance, in the map's metric, from each unit to its grid neighbours.

    Neighbours as :func:`fastsom.topology.neighbors` finds them (8 on
    rectangular maps by default, 4 on request; 6 on hexagonal maps;
    across the seams of a torus). High values mark the borders between
    clusters, low values their insides. A one-unit map has no neighbours:
    its value is nan.

    Parameters
    ----------
    weights : ndarray (n_units, n_features)
    feature_weights : ndarray (n_features,) float64 or None
        The map's feature weights, if any: distances weigh each feature's
        term (computed on units scaled by
        :func:`fastsom.missing.weighted_codebook`).

    Returns
    -------
    ndarray (n_rows, n_cols) float64
    """
    table = _topology.neighbors(n_rows, n_cols, topology, toroidal, connectivity)
    out = np.empty(n_rows * n_cols, dtype=np.float64)
    _quality.neighbor_distances(weighted_codebook(weights, feature_weights, metric),
                                np.ascontiguousarray(table, dtype=np.int64), metric, out)
    return out.reshape(n_rows, n_cols)


def umatrix_cells(weights, n_rows, n_cols, topology="rectangular", metric=EUCLIDEAN, feature_weights=None):
    """The full U-matrix (the SOM Toolbox's (2 n_rows - 1) x (2 n_cols - 1) form), as cells on the plane.

    A cell between every two units that share an edge (4 per unit on
    rectangular maps, 6 on hexagonal ones), holding their distance in the
    map's metric; on rectangular maps a cell at every square's centre,
    holding the mean of its two diagonals; a cell at every unit, holding
    the median of the cells around it (the toolbox's default). The cells
    sit on a lattice of half the units' spacing, in plot coordinates
    (:func:`fastsom.topology.plot_positions`); plots draw them at half size.
    Planar: a torus's seams are not drawn. ``feature_weights``: as :func:`umatrix`.

    Returns
    -------
    positions : ndarray (n_cells, 2) float64, (x, y)
    values : ndarray (n_cells,) float64
    kinds : ndarray (n_cells,) int8: 0 a unit, 1 between two units, 2 a square's centre
    """
    n_units = n_rows * n_cols
    weights = weighted_codebook(weights, feature_weights, metric)
    centres = _topology.plot_positions(n_rows, n_cols, topology)
    table = _topology.neighbors(n_rows, n_cols, topology, False, 4 if topology == "rectangular" else 6)

    def distances_to(partner):
        """d(u, partner[u]) for every unit (nan where partner[u] = -1), by the U-matrix's own kernel."""
        out = np.empty(n_units)
        _quality.neighbor_distances(weights, np.ascontiguousarray(partner.reshape(-1, 1), dtype=np.int64), metric,
                                    out)
        return out

    pair = np.column_stack([distances_to(table[:, j]) for j in range(table.shape[1])])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a one-unit map: no neighbour, nan
        unit_values = np.nanmedian(np.where(table >= 0, pair, np.nan), axis=1)
    u, j = np.nonzero(table > np.arange(n_units)[:, None])  # each touching pair once
    v = table[u, j]
    positions = [centres, (centres[u] + centres[v]) / 2]
    values = [unit_values, pair[u, j]]
    kinds = [np.zeros(n_units), np.ones(len(u))]
    if topology == "rectangular" and n_rows > 1 and n_cols > 1:
        corners = np.array([r * n_cols + c for r in range(n_rows - 1) for c in range(n_cols - 1)])
        down_right = np.full(n_units, -1)
        down_right[corners] = corners + n_cols + 1
        down_left = np.full(n_units, -1)
        down_left[corners + 1] = corners + n_cols
        positions.append(centres[corners] + 0.5)
        values.append((distances_to(down_right)[corners] + distances_to(down_left)[corners + 1]) / 2)
        kinds.append(np.full(len(corners), 2))
    return (np.concatenate(positions), np.concatenate(values).astype(np.float64),
            np.concatenate(kinds).astype(np.int8))


def hit_counts(bmu, n_rows, n_cols):
    """How many samples each unit wins (the activation response), (n_rows, n_cols) int64; BMU -1 counts nowhere."""
    return np.bincount(bmu[bmu >= 0], minlength=n_rows * n_cols).reshape(n_rows, n_cols)


def win_map(bmu, n_cols):
    """Indices of the samples each unit wins: ``{(row, col): int64 array}``, hit units only.

    Indices are in increasing order (the order of the samples). Samples
    without a BMU (-1: nothing observed) are in no unit.
    """
    order = np.argsort(bmu, kind="stable")
    order = order[bmu[order] >= 0]
    units, starts = np.unique(bmu[order], return_index=True)
    groups = np.split(order, starts[1:])
    return {tuple(int(v) for v in divmod(int(unit), n_cols)): group for unit, group in zip(units, groups, strict=True)}


class LabelCounts(NamedTuple):
    """Which labels land on which unit."""

    classes: np.ndarray  # (n_classes,) the distinct labels, sorted
    counts: np.ndarray  # (n_rows, n_cols, n_classes) int64, samples of each class per unit

    def majority(self):
        """Index into ``classes`` of each unit's most common label, -1 for empty units; ties to the lower."""
        best = self.counts.argmax(axis=2)
        return np.where(self.counts.sum(axis=2) > 0, best, -1)


def label_counts(bmu, labels, n_rows, n_cols):
    """Count, per unit, the samples of each label (none for BMU -1). Returns a :class:`LabelCounts`."""
    classes, codes = np.unique(np.asarray(labels), return_inverse=True)
    counts = np.zeros((n_rows * n_cols, len(classes)), dtype=np.int64)
    matched = bmu >= 0
    np.add.at(counts, (bmu[matched], codes.ravel()[matched]), 1)
    return LabelCounts(classes, counts.reshape(n_rows, n_cols, len(classes)))


def component_planes(weights):
    """One feature's weight across the map per plane: (n_features, n_rows, n_cols), a copy."""
    return np.ascontiguousarray(np.moveaxis(np.asarray(weights), 2, 0))
