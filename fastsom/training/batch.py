"""Batch training (Kohonen's batch map): the Python driver around the batch kernels.

Each epoch assigns every sample to its best matching unit (BMU) under the
current weights, sums the samples per BMU (``S[v]``) and counts them
(``n[v]``), then replaces every unit by the neighbourhood-weighted mean of
the data::

    w[u] = sum_v h(d2(u, v), sigma) S[v]  /  sum_v h(d2(u, v), sigma) n[v]

(Kohonen, "Self-Organizing Maps", 3rd ed., section 3.14; the literal
version is ``reference.batch.train_batch``.) A unit whose denominator is 0
keeps its vector.

**No learning rate.** The batch map has none: an epoch replaces each unit
by a weighted mean of the data, it does not step towards it. The ``SOM``
estimator's ``learning_rate`` (and its schedule) does not apply to batch
training; only the radius ``sigma`` varies from epoch to epoch.

**Neighbourhoods.** The formula is a weighted mean only for weights >= 0.
The mexican hat gives units beyond sigma negative weight; the denominator
can then be 0, negative or close to 0, and the result can leave the data's
range: the batch map is ill-posed with it. It is computed as written
(a zero denominator keeps the old vector), but it is not a sensible choice
for batch training.

How an epoch runs, and what it costs (see ``kernels/batch.py``):

* BMUs in chunks of samples: ``G = X_chunk @ weights.T`` is one BLAS GEMM
  (sgemm for float32 maps, dgemm for float64) into a reused buffer, on
  BLAS's threads; a serial numba kernel then turns each row of ``G`` into
  the best and second-best unit (a vectorised scan, ~0.5-1 ns per unit and
  sample) and adds the samples to the sums. Serial on purpose: a numba
  parallel region right after a GEMM fights OpenBLAS's still-spinning
  threads for the cores (one epoch of 70,000 x 784 on a 20x20 map: 0.30 s
  serial, 0.50 s parallel, GEMM alone 0.24 s, on 2 cores). Manhattan and
  chebyshev have no GEMM form; they are computed term by term on all numba
  threads.
* Sums and counts in float64, in sample order (deterministic).
* Missing values and feature weights (see :mod:`fastsom.missing`): the
  GEMM multiplies by the codebook times the weights; rows with NaN are
  ranked first, all of them, by the SOM Toolbox's two GEMMs
  (:meth:`ChunkPass._masked_bmus`), their sums skip the NaN and count them
  per unit and feature, and each feature is divided by its own smoothed
  count of observed values. Complete rows of unweighted maps run exactly
  the code above.
* Smoothing ``H @ [S, n]`` without forming ``H`` (n_units x n_units): the
  gaussian is separable on the lattice (rows, then columns); the other
  neighbourhoods are applied sparsely over their support. The mexican hat
  never vanishes; it is truncated beyond 8 sigma, where
  ``|h| = 63 exp(-32) < 1e-12`` (:func:`support_radius2`).

Peak memory beyond the data: ``O(chunk_size * n_units)`` for ``G`` (about
8 MB, see :func:`default_chunk_size`), ``O(n_units * n_features)`` for the
statistics, the smoothing scratch (twice that on hexagonal maps, whose
lattice has twice as many cells as units) and the new weights, plus 17
bytes per chunk row for the BMUs, distances and adjacency flags: nothing
per sample of the data.

An epoch is atomic: the new weights are computed into a scratch array and
copied in, together with the epoch count in ``state``, by one compiled call,
so Ctrl-C leaves the weights of a whole number of epochs and ``state`` says
how many. The map does not depend on the number of numba threads or on the
chunk size, bit for bit; BLAS's thread count can change the last bits of the
products, and so the BMU of a sample that rounding decides (tests/test_threads.py).
"""

import math
from typing import NamedTuple

import numpy as np

from .. import _threads
from ..kernels import accumulate as _kernels
from ..kernels import bmu as _bmu
from ..kernels import smoothing as _smoothing
from ..kernels.distances import COSINE, EUCLIDEAN
from ..kernels.neighborhoods import GAUSSIAN, MEXICAN_HAT
from ..missing import NO_FLAGS, kernel_masks, masked_args
from .phases import NO_PHASES

#: Size of one chunk's GEMM products ``G`` (chunk_size x n_units) in bytes,
#: counted in float64 whatever the dtype. See :func:`default_chunk_size`.
#: 8 MiB rather than 16: same epoch times on 70,000 x 784 (20x20) and
#: 1,000,000 x 16 (30x30), and training's peak above the data drops from
#: 8.7 to 0.8 MiB on the latter.
CHUNK_BYTES = 8 * 2**20

#: The mexican hat is truncated beyond this many sigmas (|h| < 1e-12 there).
MEXICAN_HAT_REACH = 8.0


def default_chunk_size(n_units):
    """Samples per BMU chunk: the chunk's products ``G`` take about :data:`CHUNK_BYTES`.

    At least 1; a multiple of 64 when more than 64, so GEMM blocks stay whole.
    """
    rows = CHUNK_BYTES // (8 * n_units)
    if rows > 64:
        rows -= rows % 64
    return max(1, rows)


#: A codebook whose centre lies further from the origin than this many times
#: its extent is shifted to the origin for the epoch (see :func:`common_shift`).
FAR_FROM_ORIGIN = 16.0


def common_shift(weights):
    """The offset to take off samples and codebook for an epoch, or None when they sit near the origin.

    The GEMM form ``||w||^2 - 2 x.w`` cancels when the data lie far from
    the origin against their spread: float32 data at 1e4 lost their map
    (quantization error 0.455 against 0.153, reported as 0.0000; float64
    breaks the same way at 1e7). Euclidean distances do not change when
    samples and units move together, so the epoch runs on ``x - c`` and
    ``w - c``, ``c`` the centre of the codebook's bounding box, and adds
    ``c`` back to the new units. Near the origin nothing is shifted, so
    ordinary data keep their bits.
    """
    low = weights.min(axis=0).astype(np.float64)
    high = weights.max(axis=0).astype(np.float64)
    centre = (low + high) / 2
    extent = float(np.max(high - low))
    if float(np.max(np.abs(centre))) <= FAR_FROM_ORIGIN * max(extent, np.finfo(weights.dtype).tiny):
        return None
    return centre.astype(weights.dtype)


def support_radius2(kind, sigma):
    """Squared grid distance beyond which the smoothing skips units, for a truncated neighbourhood.

    Exact for bubble, gaussian_cutoff and triangle (0 beyond sigma). The
    mexican hat is cut at ``MEXICAN_HAT_REACH * sigma``: there
    ``|h| = 63 exp(-32) ~ 8e-13``, and it decreases beyond.
    """
    if kind == MEXICAN_HAT:
        return (MEXICAN_HAT_REACH * sigma) ** 2
    return sigma * sigma


def lattice(coords, geometry):
    """The unit at each lattice cell, ``-1`` where none sits, (L_r, L_c) int64.

    On a torus the lattice is one period along each axis; otherwise it is
    the bounding box of the units.
    """
    cells = coords.astype(np.int64)
    shape = [int(geometry[axis]) if geometry[axis] > 0 else int(cells[:, axis].max()) + 1 for axis in (0, 1)]
    cell_unit = np.full(shape, -1, dtype=np.int64)
    cell_unit[cells[:, 0], cells[:, 1]] = np.arange(coords.shape[0])
    return cell_unit


def smooth(stats, coords, geometry, cell_unit, kind, sigma, out, scratch=None):
    """``out = H @ stats``, ``H[u, v] = h(d2(u, v), sigma)``, without forming H. No validation.

    stats     IN  (n_units, n_columns) float64
    coords    IN  (n_units, 2) float64
    geometry  IN  (4,) float64
    cell_unit IN  (L_r, L_c) int64, from :func:`lattice`
    kind      IN  int, neighbourhood code
    sigma     IN  float
    out       OUT (n_units, n_columns) float64
    scratch   (L_r, L_c, n_columns) float64 or None (gaussian only; allocated if None)
    """
    if kind == GAUSSIAN:
        if scratch is None:
            scratch = np.empty((*cell_unit.shape, stats.shape[1]))
        _smoothing.smooth_gaussian(stats, coords, cell_unit, geometry, float(sigma), scratch, out)
    else:
        _smoothing.smooth_truncated(stats, coords, cell_unit, geometry, kind, float(sigma),
                                  float(support_radius2(kind, sigma)), out)
    return out


_NO_SHIFT = np.empty(0)
_EMPTY_ROWS = np.empty(0, dtype=np.int64)


def _masked_unit_terms(start):
    """``mu * w^2`` (n_units, n_features) in the codebook's dtype: G2's right-hand side (mu: ones if none)."""
    squares = np.multiply(start.codebook, start.codebook)
    if start.feature_weights is not None:
        squares *= start.feature_weights.astype(squares.dtype)
    return squares


#: Smoothing work (units x columns x lattice rows + columns) above which the
#: GEMM path smooths on all threads despite BLAS's spinning threads.
PARALLEL_SMOOTHING_WORK = 10**8


class EpochStart(NamedTuple):
    """What every chunk of an epoch's BMU pass needs from the weights: small, and nothing per sample.

    The Dask path (:mod:`fastsom.chunked`) sends it to every task.

    codebook  (n_units, n_features), dtype of the weights: the weights, or
              the weights minus ``shift``
    unit_term (n_units,) float64: ``||w||^2`` (euclidean) or ``1 / ||w||``
              (cosine, 0 for a zero vector), norms weighted by the feature
              weights mu when there are some (``sum mu w^2``); None for
              metrics without a GEMM form
    shift     (n_features,) or None: see :func:`common_shift`
    metric    int, distance code
    feature_weights (n_features,) float64 or None: the map's feature weights
    gemm_codebook   what the GEMM multiplies the samples by: ``codebook``,
              or ``codebook * mu`` with feature weights (then ``x . (mu w)``
              is the weighted product the scores need)
    """

    codebook: np.ndarray
    unit_term: np.ndarray | None
    shift: np.ndarray | None
    metric: int
    feature_weights: np.ndarray | None = None
    gemm_codebook: np.ndarray | None = None


def begin_epoch(weights, metric, n_threads=1, feature_weights=None):
    """The :class:`EpochStart` of an epoch from ``weights``; its kernels on at most ``n_threads`` threads."""
    shift = common_shift(weights) if metric == EUCLIDEAN else None
    codebook = weights if shift is None else np.subtract(weights, shift)
    gemm_codebook = codebook
    unit_term = None
    if metric in (EUCLIDEAN, COSINE):
        unit_term = np.empty(weights.shape[0])
        if feature_weights is None:
            with _threads.limit(n_threads):
                _bmu.squared_norms(codebook, unit_term)
        else:
            gemm_codebook = np.multiply(codebook, feature_weights.astype(codebook.dtype))
            wide = codebook.astype(np.float64)
            np.dot(wide * wide, feature_weights, out=unit_term)
        if metric == COSINE:
            norms = np.sqrt(unit_term)
            np.divide(1.0, norms, out=unit_term, where=norms > 0)
            unit_term[norms == 0] = 0.0
    return EpochStart(codebook, unit_term, shift, metric, feature_weights, gemm_codebook)


class ChunkPass:
    """An epoch's BMU pass over rows of X, chunk by chunk, adding to the per-unit sums.

    Holds the buffers of one chunk (``G``, BMUs, distances, flags), reused
    from chunk to chunk and epoch to epoch: nothing is allocated per sample.

    coords, geometry, max_d2  the grid and the adjacency of the topographic error
    chunk_size                rows per chunk, at most
    """

    def __init__(self, n_units, n_features, dtype, metric, coords, geometry, max_d2, chunk_size):
        self.coords, self.geometry, self.max_d2 = coords, geometry, float(max_d2)
        self.chunk_size = max(1, int(chunk_size))
        self.gemm = metric in (EUCLIDEAN, COSINE)
        self.bmus = np.empty(self.chunk_size, dtype=np.int64)
        self.dist = np.empty(self.chunk_size)
        self.far = np.empty(self.chunk_size, dtype=np.uint8)
        self.G = np.empty((self.chunk_size, n_units), dtype=dtype) if self.gemm else None
        self.shifted = None
        self.gathered = self.answers = None  # (data with missing values: see _complete_bmus)
        self.n_features, self.dtype = n_features, dtype

    def add(self, X, start, stats, totals, bmus=None, n_ranges=1, phases=NO_PHASES, incomplete=None):
        """Add the rows of X to ``stats`` and ``totals``; no validation.

        X          IN    (n, n_features), C-contiguous, dtype of the codebook
        start      IN    :class:`EpochStart`
        stats      INOUT (n_units, n_features + 1) float64: per unit, the sum of
                         its (shifted) samples and, last, their count; when X
                         has missing values (``incomplete``), (n_units, 2
                         n_features + 1): then the missing values of each
                         feature are counted after (see kernels.accumulate)
        totals     INOUT (2,) float64: sum of the BMU distances in the metric;
                         number of samples whose two best units are not adjacent
        bmus       OUT   (n,) int64 or None: each row's BMU (-1: nothing observed)
        n_ranges         column ranges of the direct path's parallel sums
        phases           timer of the blocks run (see fastsom.training.phases)
        incomplete IN    sorted int64 indices of the rows of X holding NaN, or
                         None: X has none

        Rows with NaN get their own GEMMs (SOM Toolbox's masked form, see
        :meth:`_masked_bmus`) before the chunks: complete rows cost what
        they cost without them.
        """
        n = X.shape[0]
        size, metric, codebook = self.chunk_size, start.metric, start.codebook
        weighted = start.feature_weights is not None
        masks = kernel_masks(start.feature_weights, self.n_features, incomplete is not None)
        if start.shift is not None and self.shifted is None:
            self.shifted = np.empty((size, self.n_features), dtype=self.dtype)
        masked = None
        if incomplete is not None and incomplete.shape[0] and self.gemm:
            masked = self._masked_bmus(X, incomplete, start)
        for lo in range(0, n, size):
            hi = min(n, lo + size)
            m = hi - lo
            X_chunk = X[lo:hi] if start.shift is None else np.subtract(X[lo:hi], start.shift, out=self.shifted[:m])
            bmu_out = self.bmus[:m] if bmus is None else bmus[lo:hi]
            dist, far = self.dist[:m], self.far[:m]
            rows, first = _EMPTY_ROWS, 0
            if incomplete is not None:
                first, last = np.searchsorted(incomplete, lo), np.searchsorted(incomplete, hi)
                rows = incomplete[first:last] - lo
            if self.gemm:
                # BLAS threads do the GEMM; the numba kernels after it run
                # serially, so the two thread pools never compete (see
                # kernels.batch.best_two_gemm for the timings).
                with phases("bmu"):
                    if rows.shape[0]:
                        self._complete_bmus(X_chunk, rows, start, bmu_out, dist, far)
                        for out, answers in zip((bmu_out, dist, far), masked, strict=True):
                            out[rows] = answers[first:first + rows.shape[0]]
                    else:
                        np.matmul(X_chunk, start.gemm_codebook.T, out=self.G[:m])
                        _kernels.best_two_gemm(self.G[:m], start.unit_term, metric, self.coords, self.geometry,
                                               self.max_d2, bmu_out, dist, far)
                with phases("update"):
                    if masks is not None:
                        flags = NO_FLAGS
                        if rows.shape[0]:
                            flags = np.zeros(m, dtype=np.uint8)
                            flags[rows] = 1
                        _kernels.accumulate_gemm_masked(X_chunk, bmu_out, dist, far, metric, masks, flags, stats,
                                                        totals)
                    else:
                        _kernels.accumulate_gemm(X_chunk, bmu_out, dist, far, metric, stats, totals)
            else:
                # Chunks without a masked row run the plain kernels (the masks argument omitted).
                chunk_masks = masked_args(masks if weighted or rows.shape[0] else None)
                with phases("bmu"):
                    _kernels.best_two_direct(X_chunk, codebook, metric, self.coords, self.geometry, self.max_d2,
                                             bmu_out, dist, far, *chunk_masks)
                with phases("update"):
                    _kernels.accumulate_parallel(X_chunk, bmu_out, dist, far, stats, totals, n_ranges, *chunk_masks)

    def _complete_bmus(self, X_chunk, rows, start, bmus, score, far):
        """:func:`best_two_gemm` for the complete rows of a chunk that also holds rows with NaN (``rows``).

        Gathered first: a copy of a row costs about a twentieth of its GEMM,
        which the rows with NaN would waste (they get their own, masked).
        """
        complete = np.ones(X_chunk.shape[0], dtype=bool)
        complete[rows] = False
        picked = np.flatnonzero(complete)
        c = picked.shape[0]
        if self.gathered is None:
            self.gathered = np.empty((self.chunk_size, self.n_features), dtype=self.dtype)
            self.answers = (np.empty(self.chunk_size, dtype=np.int64), np.empty(self.chunk_size),
                            np.empty(self.chunk_size, dtype=np.uint8))
        np.take(X_chunk, picked, axis=0, out=self.gathered[:c])
        np.matmul(self.gathered[:c], start.gemm_codebook.T, out=self.G[:c])
        answers = tuple(a[:c] for a in self.answers)
        _kernels.best_two_gemm(self.G[:c], start.unit_term, start.metric, self.coords, self.geometry, self.max_d2,
                               *answers)
        for out, found in zip((bmus, score, far), answers, strict=True):
            out[picked] = found

    def _masked_bmus(self, X, incomplete, start):
        """(BMUs, scores, not-adjacent flags) of the rows of X with NaN, from two GEMMs per block of them.

        SOM Toolbox's masked form (``kernels.accumulate.best_two_gemm_masked``):
        ``X0 @ (mu w).T`` and ``K @ (mu w^2).T``, X0 the rows with NaN as 0 and
        K their observed mask. Done for all of them before the chunks, in
        blocks of ``chunk_size`` rows: a chunk holds only a few of them, and
        a GEMM of a few rows runs far below BLAS's speed (10% of the rows of
        70,000 x 784 taken chunk by chunk: 0.076 s an epoch, in blocks: see
        bench/missing.py).
        """
        r = incomplete.shape[0]
        answers = (np.empty(r, dtype=np.int64), np.empty(r), np.empty(r, dtype=np.uint8))
        unit_terms = _masked_unit_terms(start)
        shift = _NO_SHIFT.astype(self.dtype) if start.shift is None else start.shift
        block = min(r, self.chunk_size)
        X0, K = np.empty((block, self.n_features), self.dtype), np.empty((block, self.n_features), self.dtype)
        G2 = np.empty((block, unit_terms.shape[0]), self.dtype)
        for lo in range(0, r, block):
            hi = min(r, lo + block)
            m = hi - lo
            _kernels.split_masked_rows(X, incomplete[lo:hi], shift, X0[:m], K[:m])
            G1 = np.matmul(X0[:m], start.gemm_codebook.T, out=self.G[:m])
            np.matmul(K[:m], unit_terms.T, out=G2[:m])
            _kernels.best_two_gemm_masked(G1, G2[:m], start.metric, self.coords, self.geometry, self.max_d2,
                                          answers[0][lo:hi], answers[1][lo:hi], answers[2][lo:hi])
        return answers


class Update:
    """The end of an epoch: smoothed sums over smoothed counts, without forming H; buffers reused."""

    def __init__(self, coords, geometry, kind, n_units, n_columns):
        self.coords, self.geometry, self.kind = coords, geometry, kind
        self.cell_unit = lattice(coords, geometry)
        self.smoothed = np.empty((n_units, n_columns))
        self.scratch = np.empty((*self.cell_unit.shape, n_columns)) if kind == GAUSSIAN else None

    def new_weights(self, stats, start, sigma, out, n_threads, phases=NO_PHASES):
        """``out`` = the new codebook from the epoch's ``stats`` at radius ``sigma``; smoothing on ``n_threads``."""
        with phases("smooth"), _threads.limit(n_threads):
            smooth(stats, self.coords, self.geometry, self.cell_unit, self.kind, sigma, self.smoothed, self.scratch)
        with phases("update"):
            # The sums are of shifted samples: H S / H n is the new codebook, shifted likewise.
            _kernels.divide(self.smoothed, start.codebook, out)
            if start.shift is not None:
                out += start.shift
        return out


def smoothing_threads(gemm, n_units, n_columns, cell_unit):
    """Threads for the smoothing and the norms between BLAS calls.

    Numba's parallel regions right after a threaded BLAS call wait for the
    cores BLAS's threads still spin on: measured 13 ms per parallel epoch
    on a 25x15 map (240 x 50: 1.29 s for 100 epochs; 0.035 s with the
    epoch's numba kernels on one thread). So in the GEMM path they run on
    one thread, unless the smoothing is big enough for threads to pay
    (200x200 map: 0.35 s serial, 0.20 s on 2 threads; 20x20 map on 784
    features: 2 ms serial).
    """
    if gemm and n_units * n_columns * sum(cell_unit.shape) < PARALLEL_SMOOTHING_WORK:
        return 1
    return _threads.allowed_threads()


def run_epochs(epoch_sums, n_samples, weights, coords, geometry, sigmas, kind, metric, *, state, on_epoch=None,
               phases=NO_PHASES, feature_weights=None, missing=False):
    """The epochs of batch training, whatever holds the data; no validation.

    ``epoch_sums(start, stats, totals)`` fills ``stats`` and ``totals``
    (zeroed before the call; see :meth:`ChunkPass.add`) from every sample,
    given the epoch's :class:`EpochStart`: :func:`run_batch` runs a
    :class:`ChunkPass` over an in-memory array, :mod:`fastsom.chunked` one per
    Dask chunk. ``missing``: the data hold NaN, so ``stats`` has a missing
    count per feature, and each feature is divided by its own smoothed
    count of observed values (``W = (H S) / (H N)``, SOM Toolbox's
    per-feature denominator). The other arguments are :func:`run_batch`'s.
    """
    n_units, n_features = weights.shape
    n_epochs = sigmas.shape[0]
    n_columns = 2 * n_features + 1 if missing else n_features + 1
    if feature_weights is not None:  # writable: numba compiles read-only arrays as a type of their own
        feature_weights = np.array(feature_weights, dtype=np.float64)
    update = Update(coords, geometry, kind, n_units, n_columns)
    n_threads = smoothing_threads(metric in (EUCLIDEAN, COSINE), n_units, n_columns, update.cell_unit)
    stats = np.empty((n_units, n_columns))
    totals = np.empty(2)
    new_weights = np.empty_like(weights)
    while state[0] < n_epochs:
        with phases("bmu"):  # the epoch's codebook and its norms
            epoch = int(state[0])
            start = begin_epoch(weights, metric, n_threads, feature_weights)
        with phases("python"):
            stats.fill(0.0)
            totals.fill(0.0)
        epoch_sums(start, stats, totals)
        if missing:  # observed counts N = n - missing, exact (integers): smoothed as n is
            np.subtract(stats[:, n_features:n_features + 1], stats[:, n_features + 1:], out=stats[:, n_features + 1:])
        update.new_weights(stats, start, sigmas[epoch], new_weights, n_threads, phases)
        with phases("update"):
            _kernels.commit(weights, new_weights, state, epoch + 1)
        if on_epoch is not None:
            with phases("python"):
                quantization_error = float(totals[0] / n_samples)
                topographic_error = float(totals[1] / n_samples) if n_units > 1 else math.nan
                on_epoch(epoch, quantization_error, topographic_error)


def run_batch(X, weights, coords, geometry, sigmas, kind, metric, max_d2, *, state, on_epoch=None, chunk_size=None,
              bmus=None, phases=NO_PHASES, feature_weights=None, incomplete=None):
    """Guts of batch training; no input validation.

    X          IN    (n_samples, n_features), C-contiguous, dtype of weights
    weights    INOUT (n_units, n_features), C-contiguous float32 or float64
    coords     IN    (n_units, 2) float64, see fastsom.topology
    geometry   IN    (4,) float64, see fastsom.topology
    sigmas     IN    (n_epochs,) float64, the radius of each epoch
    kind       IN    int, neighbourhood code
    metric     IN    int, distance code
    max_d2     IN    float, largest squared grid distance counted as adjacent
                     (for the topographic error)
    state      INOUT (1,) int64, epochs done: training resumes at epoch
                     ``state[0]`` and stops after ``len(sigmas)``
    on_epoch   called as ``on_epoch(epoch, quantization_error, topographic_error)``
               after each epoch. The errors are those of the epoch's own
               BMU pass, i.e. of the weights *before* that epoch's update
               (the map the epoch started from). The topographic error is
               nan on a one-unit map.
    chunk_size samples per BMU chunk; default :func:`default_chunk_size`
    bmus       OUT   (n_samples,) int64 or None: the BMU of every sample in
                     the last epoch run (under the weights before its update)
    phases     timer of the blocks run (see fastsom.training.phases); default: none
    feature_weights IN (n_features,) float64 or None: the map's feature
                     weights (matching only: the update is the plain mean)
    incomplete IN    (n_samples,) uint8 or None: 1 where a row of X holds
                     NaN (missing values); a row with nothing observed of
                     weight > 0 is left out (its BMU -1), though the
                     estimator drops such rows before
    """
    n_samples, n_features = X.shape
    n_units = weights.shape[0]
    if chunk_size is None:
        chunk_size = default_chunk_size(n_units)
    chunk_pass = ChunkPass(n_units, n_features, weights.dtype, metric, coords, geometry, max_d2,
                           min(int(chunk_size), n_samples))

    rows = None if incomplete is None else np.flatnonzero(incomplete)

    def epoch_sums(start, stats, totals):
        n_ranges = min(_threads.allowed_threads(), n_features + 1)
        chunk_pass.add(X, start, stats, totals, bmus, n_ranges, phases, rows)

    run_epochs(epoch_sums, n_samples, weights, coords, geometry, sigmas, kind, metric, state=state,
               on_epoch=on_epoch, phases=phases, feature_weights=feature_weights, missing=rows is not None)
