"""MiniSom's training, put in the form the kernels of :mod:`fastsom.kernels.minisom` take.

Everything here is NumPy, run once per call or per block of iterations:
the map's geometry as a :class:`~fastsom.kernels.minisom.Lattice`, each
iteration's learning rate, spread and exponentials as a
:class:`~fastsom.kernels.minisom.Steps`, the order of NumPy's pairwise
sums, and the sample order MiniSom draws. Values the kernels read are
computed here with the NumPy operations MiniSom applies to them, so they
are the same bits.
"""

import numpy as np

from ..kernels.lanes import GROUP
from ..kernels.minisom import BLOCK, GAUSSIAN, MEXICAN_HAT, Lattice, Order, Steps

#: MiniSom's spacing of hexagonal rows (``MiniSom.Y_HEX_CONV_FACTOR``).
Y_HEX_CONV_FACTOR = (3.0 / 2.0) / np.sqrt(3)


def pairwise_order(n):
    """The order in which NumPy's ``add.reduce`` sums n contiguous values, as an :class:`Order`.

    NumPy sums runs of at most :data:`~fastsom.kernels.minisom.BLOCK` values
    directly (its leaves) and splits a longer run at half its length
    rounded down to a multiple of eight, summing the halves first and then
    adding them. ``leaves`` lists the leaves as (start, length), padded with
    (0, 0) to a multiple of ``GROUP``; ``additions`` lists NumPy's additions
    in order as the two slots they add (leaves are slots 0 .. n_leaves - 1,
    addition t writes slot n_leaves + t); the last slot is the sum.

    Examples
    --------
    >>> order = pairwise_order(300)
    >>> order.leaves.tolist()
    [[0, 72], [72, 72], [144, 72], [216, 84]]
    >>> order.additions.tolist()
    [[0, 1], [2, 3], [4, 5]]
    """
    leaves, additions = [], []

    def split(start, length):
        """Sum values start .. start + length - 1 as NumPy does; returns the slot of the sum."""
        if length <= BLOCK:
            leaves.append((start, length))
            return len(leaves) - 1
        half = length // 2
        half -= half % 8
        left = split(start, half)
        right = split(start + half, length - half)
        additions.append((left, right))
        return -len(additions)  # addition slots are numbered once the leaves are counted

    split(0, n)
    n_leaves = len(leaves) + (-len(leaves) % GROUP)
    leaves += [(0, 0)] * (n_leaves - len(leaves))
    slots = [[a if a >= 0 else n_leaves - a - 1 for a in pair] for pair in additions]
    return Order(np.array(slots, dtype=np.int64).reshape(-1, 2), np.array(leaves, dtype=np.int64).reshape(-1, 2),
                 np.array([q for q, (_, length) in enumerate(leaves) if length % 8], dtype=np.int64))


def meshgrids(x, y, topology):
    """MiniSom's ``_xx`` and ``_yy``: unit (i, j) sits at (``_xx[j, i]``, ``_yy[j, i]``), shape (y, x).

    Hexagonal maps move every other column of units (j = y - 1, y - 3, ...)
    half a step down the i axis and space columns by sqrt(3) / 2.
    """
    xx, yy = np.meshgrid(np.arange(x), np.arange(y))
    xx = xx.astype(float)
    yy = yy.astype(float)
    if topology == "hexagonal":
        xx[::-2] -= 0.5
        yy *= Y_HEX_CONV_FACTOR
    return xx, yy


def _axis(values):
    """Distinct values of one coordinate, each unit's index among them, and their differences.

    Returns (position (n_units,), differences (D,), difference index (P, P)):
    ``values[p] - values[q]`` is ``differences[index[p, q]]``.
    """
    distinct, position = np.unique(values, return_inverse=True)
    # The subtraction MiniSom makes (unit's coordinate minus the winner's), on the same values.
    table = np.subtract.outer(distinct, distinct)
    differences, index = np.unique(table, return_inverse=True)
    return position.reshape(-1), differences, index.reshape(table.shape)


def make_lattice(x, y, topology, neighborhood):
    """The :class:`Lattice` of an x-by-y MiniSom map.

    Returns the lattice and the distinct coordinate differences of each
    axis (what the gaussian's tables are made of).
    """
    xx, yy = meshgrids(x, y, topology)
    coords = np.column_stack([xx.T.reshape(-1), yy.T.reshape(-1)])
    index = np.column_stack(np.divmod(np.arange(x * y), y)).astype(np.int64)
    px, dx, ix = _axis(coords[:, 0])
    py, dy, iy = _axis(coords[:, 1])
    width = max(ix.shape[0], iy.shape[0])
    difference = np.zeros((2, width, width), dtype=np.int64)
    difference[0, :ix.shape[0], :ix.shape[0]] = ix
    difference[1, :iy.shape[0], :iy.shape[0]] = iy
    radial = np.zeros((0, 0), dtype=np.int64)
    radii = np.zeros(0)
    if neighborhood == MEXICAN_HAT:
        # MiniSom's p = dx**2 + dy**2, for every pair of axis differences.
        sums = np.power(dx, 2)[:, None] + np.power(dy, 2)[None, :]
        radii, inverse = np.unique(sums, return_inverse=True)
        radial = inverse.reshape(sums.shape).astype(np.int64)
    lattice = Lattice(index, np.ascontiguousarray(coords), np.column_stack([px, py]).astype(np.int64), difference,
                      radial, radii)
    return lattice, dx, dy


def table_width(kind, lattice, dx, dy):
    """Values per iteration in the tables of :func:`make_steps` (what bounds a block's memory)."""
    if kind == GAUSSIAN:
        return dx.size + dy.size
    return lattice.radii.size if kind == MEXICAN_HAT else 0


def make_steps(eta, sigma, kind, lattice, dx, dy):
    """The :class:`Steps` of a block of iterations, from their learning rates and sigmas.

    ``spread`` is MiniSom's ``d = 2*sigma*sigma``; the gaussian's per-axis
    factors ``exp(-dx**2 / d)`` and the mexican hat's ``exp(-p / d)`` are
    evaluated by NumPy, as MiniSom's are, for every distinct difference.
    """
    # Fresh writable arrays whatever came in (a broadcast scalar, a read-only view): one type for numba.
    eta = np.array(eta, dtype=np.float64)
    sigma = np.array(sigma, dtype=np.float64)
    spread = 2 * sigma * sigma
    empty = np.zeros((eta.shape[0], 0))
    gaussian_x = gaussian_y = mexican = empty
    if kind == GAUSSIAN:
        gaussian_x = np.exp(-np.power(dx, 2)[None, :] / spread[:, None])
        gaussian_y = np.exp(-np.power(dy, 2)[None, :] / spread[:, None])
    elif kind == MEXICAN_HAT:
        mexican = np.exp(-lattice.radii[None, :] / spread[:, None])
    return Steps(eta, sigma, spread, gaussian_x, gaussian_y, mexican)


def sample_order(n_samples, num_iteration, random_generator, use_epochs):
    """The sample of every iteration of MiniSom's ``train``, drawn as MiniSom draws it.

    ``random_generator`` (a ``RandomState``, or None for the data's order)
    shuffles ``arange(num_iteration) % n_samples``, or with ``use_epochs``
    one permutation of the samples that every epoch repeats.
    """
    if use_epochs:
        epoch = np.arange(n_samples)
        if random_generator is not None:
            random_generator.shuffle(epoch)
        return np.tile(epoch, num_iteration)
    order = np.arange(num_iteration) % n_samples
    if random_generator is not None:
        random_generator.shuffle(order)
    return order

