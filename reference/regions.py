"""Ward's clustering of a map's units restricted to touching regions, literally.

At every step, for every pair of regions that touch (some unit of one is a
grid neighbour of some unit of the other), recompute both regions' weighted
centres from their member units and the Ward cost
``m_a m_b / (m_a + m_b) * ||c_a - c_b||^2``; merge the cheapest pair (ties
to the pair whose sorted lowest member indices come first). No heap, no
incremental update: O(n_units^3) and obviously the definition.
"""


def _centre(members, prototypes, masses):
    total = sum(masses[u] for u in members)
    n_features = len(prototypes[0])
    return [sum(masses[u] * prototypes[u][d] for u in members) / total for d in range(n_features)], total


def connected_ward(prototypes, masses, neighbours, n_clusters):
    """Labels (list of int) of each unit; ``neighbours[u]``: the units touching u. Regions numbered by first unit."""
    regions = [[u] for u in range(len(prototypes))]
    while len(regions) > n_clusters:
        best = None
        for i, a in enumerate(regions):
            for j in range(i + 1, len(regions)):
                b = regions[j]
                if not any(v in b for u in a for v in neighbours[u]):
                    continue
                centre_a, mass_a = _centre(a, prototypes, masses)
                centre_b, mass_b = _centre(b, prototypes, masses)
                squared = sum((p - q) ** 2 for p, q in zip(centre_a, centre_b, strict=True))
                cost = mass_a * mass_b / (mass_a + mass_b) * squared
                key = (cost, min(a), min(b))
                if best is None or key < best[0]:
                    best = (key, i, j)
        if best is None:
            break  # no two regions touch
        _, i, j = best
        regions[i] = regions[i] + regions[j]
        del regions[j]
    labels = [0] * len(prototypes)
    for label, region in enumerate(sorted(regions, key=min)):
        for u in region:
            labels[u] = label
    return labels
