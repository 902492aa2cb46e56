"""Regions of a map: its units grouped into clusters, contiguous on the grid.

Clustering the codebook rather than the data is the SOM's two-level recipe
(Vesanto and Alhoniemi, "Clustering of the self-organizing map", IEEE TNN
2000; the SOM Toolbox's ``som_kmeansclusters``): the map has already
summarised n_samples rows in n_units prototypes, so the clustering costs
O(n_units), and each sample's cluster is its BMU's.

* ``ward``: Ward's agglomerative clustering restricted to grid neighbours
  (edge-sharing units on rectangular maps, the six neighbours on hexagonal
  ones, across the seams of a torus), so every region is contiguous on the
  map. Each unit weighs its hit count when data are given; units that won
  nothing weigh (almost) nothing, so they join their nearest neighbour's
  region without pulling its centre. Written here, not taken from
  scikit-learn, because ``AgglomerativeClustering`` takes no sample
  weights; with equal weights it gives scikit-learn's partition (tested).
* ``kmeans``: scikit-learn's ``KMeans`` on the prototypes, hit-weighted
  (``sample_weight``); regions need not be contiguous.

``n_clusters=None`` tries k = 2 .. max(2, floor(sqrt(n_units))) and keeps the
k of the lowest Davies-Bouldin index of the prototypes' partition, as the
SOM Toolbox does (``som_kmeansclusters`` / ``db_index``): it compares each
cluster's spread with its distance to the nearest other cluster, needs no
pairwise table (silhouette does, O(n_units^2)) and is what users of the
toolbox know. The scores of every k tried are returned.
"""

import heapq

import numpy as np

from .. import topology

#: ``method`` choices.
METHODS = ("ward", "kmeans")

#: Share of the largest unit weight that a unit with no hits weighs.
EMPTY_WEIGHT = 1e-9


def _sklearn():
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise ImportError("clustering a map uses scikit-learn: pip install 'fastsom[cluster]' "
                          "(or pip install scikit-learn)") from None


def region_neighbors(n_rows, n_cols, topology_name, toroidal):
    """Units that share an edge on the grid: 4 per unit on rectangular maps, 6 on hexagonal; (n_units, k), -1 padded."""
    connectivity = 4 if topology_name == "rectangular" else 6
    return topology.neighbors(n_rows, n_cols, topology_name, toroidal, connectivity)


def connected_ward(prototypes, masses, table, n_clusters):
    """Ward's clustering of the units, merging only regions that touch on the grid; labels (n_units,) int64.

    prototypes (n_units, n_features), masses (n_units,) > 0, table from
    :func:`region_neighbors`. Each step merges the two touching regions
    whose merge raises the weighted within-region sum of squares least,
    ``m_a m_b / (m_a + m_b) ||c_a - c_b||^2`` (Ward), ties to the lower
    region indices. Stops at ``n_clusters`` regions, or earlier when no two
    remaining regions touch (a map of several grid components). Labels are
    numbered in the order of each region's first unit.
    """
    n_units = len(prototypes)
    centre = np.asarray(prototypes, dtype=np.float64).copy()
    mass = np.asarray(masses, dtype=np.float64).copy()
    touching = [set(int(v) for v in row if v >= 0 and v != u) for u, row in enumerate(table)]
    members = [[u] for u in range(n_units)]
    version = [0] * n_units
    alive = [True] * n_units

    def cost(a, b):
        diff = centre[a] - centre[b]
        return mass[a] * mass[b] / (mass[a] + mass[b]) * float(diff @ diff)

    heap = [(cost(a, b), a, b, 0, 0) for a in range(n_units) for b in touching[a] if a < b]
    heapq.heapify(heap)
    regions = n_units
    while regions > n_clusters and heap:
        _, a, b, seen_a, seen_b = heapq.heappop(heap)
        if not (alive[a] and alive[b] and version[a] == seen_a and version[b] == seen_b):
            continue  # an entry from before a or b last changed
        total = mass[a] + mass[b]
        centre[a] = (mass[a] * centre[a] + mass[b] * centre[b]) / total
        mass[a] = total
        alive[b] = False
        members[a].extend(members[b])
        version[a] += 1
        for other in touching[b]:
            touching[other].discard(b)
            if other != a:
                touching[other].add(a)
        touching[a] = (touching[a] | touching[b]) - {a, b}
        for other in touching[a]:
            low, high = min(a, other), max(a, other)
            heapq.heappush(heap, (cost(low, high), low, high, version[low], version[high]))
        regions -= 1
    labels = np.empty(n_units, dtype=np.int64)
    for label, region in enumerate(sorted((min(m), m) for a, m in enumerate(members) if alive[a])):
        labels[region[1]] = label
    return labels


def _masses(hits, n_units):
    if hits is None:
        return np.ones(n_units)
    hits = np.asarray(hits, dtype=np.float64)
    return np.where(hits > 0, hits, EMPTY_WEIGHT * max(hits.max(), 1.0))


def cluster_units(prototypes, n_rows, n_cols, topology_name, toroidal, n_clusters=None, method="ward",
                  hits=None, random_state=0):
    """Cluster labels of the units, (n_units,) int64, and the Davies-Bouldin score of each k tried (or {}).

    No validation beyond the rules of the arguments themselves (the
    estimator's ``cluster`` checks the map); ``hits`` (n_units,) or None.
    """
    _sklearn()
    from sklearn.cluster import KMeans
    from sklearn.metrics import davies_bouldin_score

    n_units = len(prototypes)
    if method not in METHODS:
        raise ValueError(f"method={method!r} is not one of {', '.join(map(repr, METHODS))}")
    weights = _masses(hits, n_units)
    table = region_neighbors(n_rows, n_cols, topology_name, toroidal) if method == "ward" else None

    def labels_for(k):
        if method == "ward":
            return connected_ward(prototypes, weights, table, k)
        model = KMeans(n_clusters=k, n_init=10, random_state=random_state)
        return model.fit_predict(prototypes, sample_weight=None if hits is None else weights).astype(np.int64)

    if n_clusters is not None:
        return labels_for(n_clusters), {}
    scores, best = {}, None
    for k in range(2, max(2, int(np.sqrt(n_units))) + 1):
        labels = labels_for(k)
        if len(np.unique(labels)) < 2:  # a grid that cannot be cut in two
            continue
        scores[k] = float(davies_bouldin_score(prototypes, labels))
        if best is None or scores[k] < scores[best[0]]:
            best = (k, labels)
    if best is None:
        raise ValueError("this map cannot be split into regions (fewer than 2 units touch)")
    return best[1], scores
