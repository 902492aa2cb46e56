"""``MiniSom``: MiniSom 2.3's class, on fastsom's kernels, drawing its random numbers as MiniSom does.

See :mod:`fastsom.compat` for what is the same and what is not.
"""

import numbers
import sys
import time
import warnings
from collections import Counter, defaultdict

import numpy as np

from .._validation import check_int, check_option, check_X
from ..kernels import minisom as kernels
from ..training.online import default_block_size
from .plan import (
    Y_HEX_CONV_FACTOR,
    make_lattice,
    make_steps,
    meshgrids,
    pairwise_order,
    sample_order,
    table_width,
)

TOPOLOGIES = ("rectangular", "hexagonal")

#: MiniSom's option names, each standing for MiniSom's definition (the codes of
#: ``kernels.minisom``), not for fastsom's option of the same name
#: (``fastsom.options``): MiniSom's gaussian is a product of one factor per
#: axis, its bubble a square, its chebyshev signed.
NEIGHBORHOODS = {
    "gaussian": kernels.GAUSSIAN,
    "mexican_hat": kernels.MEXICAN_HAT,
    "bubble": kernels.BUBBLE,
    "triangle": kernels.TRIANGLE,
}

DISTANCES = {
    "euclidean": kernels.EUCLIDEAN,
    "cosine": kernels.COSINE,
    "manhattan": kernels.MANHATTAN,
    "chebyshev": kernels.CHEBYSHEV,
}

#: MiniSom's decay names, and the method of each.
LEARNING_RATE_DECAYS = {
    "inverse_decay_to_zero": "_inverse_decay_to_zero",
    "linear_decay_to_zero": "_linear_decay_to_zero",
    "asymptotic_decay": "_asymptotic_decay",
}
SIGMA_DECAYS = {
    "inverse_decay_to_one": "_inverse_decay_to_one",
    "linear_decay_to_one": "_linear_decay_to_one",
    "asymptotic_decay": "_asymptotic_decay",
}

#: Values in a block's neighbourhood tables (16 MiB of float64): bounds the block's length.
TABLE_ELEMENTS = 2**21

#: MiniSom's topographic error counts a rectangular pair of units as adjacent up to this grid distance.
RECTANGULAR_ADJACENT = 1.42


def _real(name, value, positive):
    """A finite real number (> 0 if ``positive``), as MiniSom's arithmetic would take it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}={value!r} must be a real number")
    if not np.isfinite(float(value)) or (positive and value <= 0):
        raise ValueError(f"{name}={value!r} must be a finite number" + (" > 0" if positive else ""))
    return value


def _named_or_callable(name, value, options):
    """A name from ``options`` or a callable (MiniSom takes both for the learning-rate decay and distance)."""
    if not callable(value):
        check_option(name, value, options)
    return value


class MiniSom:
    """MiniSom 2.3's self-organising map, trained by fastsom's kernels.

    Same constructor, methods and attributes as ``minisom.MiniSom``; the
    same ``random_seed`` gives the same initial weights, sample order and
    trained map as MiniSom (see :mod:`fastsom.compat`).

    Parameters
    ----------
    x, y : int
        Map size: ``x`` rows of ``y`` units.
    input_len : int
        Number of features.
    sigma : float, default 1
        Spread of the neighbourhood at the first iteration.
    learning_rate : float, default 0.5
        Learning rate at the first iteration.
    decay_function : str or callable, default 'asymptotic_decay'
        How the learning rate decays: 'inverse_decay_to_zero',
        'linear_decay_to_zero', 'asymptotic_decay', or
        ``f(learning_rate, t, max_iter) -> float``.
    neighborhood_function : str, default 'gaussian'
        'gaussian', 'mexican_hat', 'bubble' or 'triangle' (MiniSom's
        definitions: the gaussian and triangle are products of one factor
        per axis, the bubble a square).
    topology : str, default 'rectangular'
        'rectangular' or 'hexagonal'.
    activation_distance : str or callable, default 'euclidean'
        'euclidean', 'cosine', 'manhattan', 'chebyshev' (MiniSom's:
        ``max(x - w)``, without absolute value), or ``f(x, w) -> (x, y)``
        array (trained in Python, at MiniSom's speed).
    random_seed : int, optional
        Seed of the ``numpy.random.RandomState`` that draws the initial
        weights, the sample order of ``train_random`` and
        ``random_weights_init``'s samples.
    sigma_decay_function : str, default 'asymptotic_decay'
        How sigma decays: 'inverse_decay_to_one', 'linear_decay_to_one' or
        'asymptotic_decay'.

    Examples
    --------
    >>> import numpy as np
    >>> from fastsom.compat import MiniSom
    >>> data = np.random.default_rng(0).random((100, 3))
    >>> som = MiniSom(6, 6, 3, sigma=1.0, learning_rate=0.5, random_seed=1)
    >>> som.train(data, 500, random_order=True)
    >>> som.winner(data[0])
    (np.int64(0), np.int64(0))
    """

    Y_HEX_CONV_FACTOR = Y_HEX_CONV_FACTOR

    def __init__(self, x, y, input_len, sigma=1, learning_rate=0.5, decay_function="asymptotic_decay",
                 neighborhood_function="gaussian", topology="rectangular", activation_distance="euclidean",
                 random_seed=None, sigma_decay_function="asymptotic_decay"):
        x = check_int("x", x, 1)
        y = check_int("y", y, 1)
        input_len = check_int("input_len", input_len, 1)
        sigma = _real("sigma", sigma, positive=True)
        learning_rate = _real("learning_rate", learning_rate, positive=False)
        check_option("topology", topology, dict.fromkeys(TOPOLOGIES))
        check_option("neighborhood_function", neighborhood_function, NEIGHBORHOODS)
        self._neighborhood_name = neighborhood_function
        decay = _named_or_callable("decay_function", decay_function, LEARNING_RATE_DECAYS)
        check_option("sigma_decay_function", sigma_decay_function, SIGMA_DECAYS)
        distance = _named_or_callable("activation_distance", activation_distance, DISTANCES)
        # MiniSom's advice, under MiniSom's conditions.
        if sigma > np.sqrt(x * x + y * y):
            warnings.warn(f"sigma={sigma} might be too high for a {x}x{y} map", stacklevel=2)
        if topology == "hexagonal" and neighborhood_function == "triangle":
            warnings.warn("the triangle neighborhood function does not take the hexagonal topology into account "
                          "(it is a product of one triangle per axis of unit indices)", stacklevel=2)
        if neighborhood_function in ("triangle", "bubble") and (divmod(sigma, 1)[1] != 0 or sigma < 1):
            warnings.warn(f"sigma={sigma} should be an integer >= 1 when {neighborhood_function} is the "
                          "neighborhood function", stacklevel=2)

        self._random_generator = np.random.RandomState(random_seed)
        self._learning_rate = learning_rate
        self._sigma = sigma
        self._input_len = input_len
        # The random start MiniSom draws: uniform in [-1, 1), each unit scaled to norm 1.
        self._weights = self._random_generator.rand(x, y, input_len) * 2 - 1
        self._weights /= np.linalg.norm(self._weights, axis=-1, keepdims=True)
        self._activation_map = np.zeros((x, y))
        self._neigx = np.arange(x)
        self._neigy = np.arange(y)
        self.topology = topology
        self._xx, self._yy = meshgrids(x, y, topology)
        self._learning_rate_decay_function = (getattr(self, LEARNING_RATE_DECAYS[decay]) if isinstance(decay, str)
                                              else decay)
        self._sigma_decay_function = getattr(self, SIGMA_DECAYS[sigma_decay_function])
        self._activation_distance = (getattr(self, f"_{distance}_distance") if isinstance(distance, str)
                                     else distance)

    # MiniSom's functions are attributes a user may replace (``som.neighborhood = som._bubble``, a
    # subclass's own _gaussian): training asks, at each call, which kernel code the functions in
    # place stand for, and trains in Python, as MiniSom does, what no kernel computes.

    @property
    def _distance_code(self):
        """The kernels' code of the activation distance in place, or None for another function."""
        return _code_of(self, self._activation_distance, _DISTANCE_METHODS)

    @property
    def _neighborhood_kind(self):
        """The kernels' code of the neighbourhood function in place, or None for another function."""
        function = self.neighborhood
        if getattr(function, "__func__", None) is MiniSom.neighborhood:
            function = getattr(self, f"_{self._neighborhood_name}")
        return _code_of(self, function, _NEIGHBORHOOD_METHODS)

    # ------------------------------------------------------------------ the map

    def get_weights(self):
        """The weights, (x, y, input_len); the array itself (training updates it in place)."""
        return self._weights

    def get_euclidean_coordinates(self):
        """Each unit's position on the plane, two (x, y) arrays: unit (i, j) sits at (xx[i, j], yy[i, j])."""
        return self._xx.T, self._yy.T

    def convert_map_to_euclidean(self, xy):
        """Position on the plane of the unit(s) at map coordinates ``xy``."""
        return self._xx.T[xy], self._yy.T[xy]

    def _get_euclidean_coordinates_from_index(self, index):
        """Position on the plane of the unit at flat index ``index``; (-1, -1) for a negative index."""
        if index < 0:
            return (-1, -1)
        y = self._weights.shape[1]
        return self.convert_map_to_euclidean((int(index / y), index % y))

    # ------------------------------------------------------- decays (MiniSom's)

    def _inverse_decay_to_zero(self, learning_rate, t, max_iter):
        """learning_rate * C / (C + t), C = max_iter / 100."""
        C = max_iter / 100.0
        return learning_rate * C / (C + t)

    def _linear_decay_to_zero(self, learning_rate, t, max_iter):
        """learning_rate * (1 - t / max_iter)."""
        return learning_rate * (1 - t / max_iter)

    def _inverse_decay_to_one(self, sigma, t, max_iter):
        """sigma / (1 + t * (sigma - 1) / max_iter)."""
        C = (sigma - 1) / max_iter
        return sigma / (1 + (t * C))

    def _linear_decay_to_one(self, sigma, t, max_iter):
        """sigma + t * (1 - sigma) / max_iter."""
        return sigma + (t * (1 - sigma) / max_iter)

    def _asymptotic_decay(self, dynamic_parameter, t, max_iter):
        """dynamic_parameter / (1 + 2 t / max_iter): a third of the start at the end."""
        return dynamic_parameter / (1 + t / (max_iter / 2))

    # ---------------------------------------------------------- neighbourhoods

    def neighborhood(self, c, sigma):
        """The neighbourhood function chosen at construction, centred on unit ``c``, as an (x, y) array."""
        return getattr(self, f"_{self._neighborhood_name}")(c, sigma)

    def _gaussian(self, c, sigma):
        """exp(-dx^2 / 2 sigma^2) exp(-dy^2 / 2 sigma^2) around unit c (euclidean coordinates)."""
        d = 2 * sigma * sigma
        ax = np.exp(-np.power(self._xx - self._xx.T[c], 2) / d)
        ay = np.exp(-np.power(self._yy - self._yy.T[c], 2) / d)
        return (ax * ay).T

    def _mexican_hat(self, c, sigma):
        """exp(-p / d) (1 - 2 p / d), p the squared distance to unit c, d = 2 sigma^2."""
        p = np.power(self._xx - self._xx.T[c], 2) + np.power(self._yy - self._yy.T[c], 2)
        d = 2 * sigma * sigma
        return (np.exp(-p / d) * (1 - 2 / d * p)).T

    def _bubble(self, c, sigma):
        """1 on the units whose indices are both less than sigma from c's, 0 elsewhere."""
        ax = (self._neigx > c[0] - sigma) & (self._neigx < c[0] + sigma)
        ay = (self._neigy > c[1] - sigma) & (self._neigy < c[1] + sigma)
        return np.outer(ax, ay) * 1.0

    def _triangle(self, c, sigma):
        """max(0, sigma - |i - c_i|) max(0, sigma - |j - c_j|)."""
        tx = np.maximum(-np.abs(c[0] - self._neigx) + sigma, 0.0)
        ty = np.maximum(-np.abs(c[1] - self._neigy) + sigma, 0.0)
        return np.outer(tx, ty)

    # --------------------------------------------------------------- distances

    def _euclidean_distance(self, x, w):
        """sqrt(sum (x - w)^2) over the last axis, summed as NumPy sums."""
        return np.sqrt(np.add.reduce(np.square(np.subtract(x, w)), axis=-1))

    def _cosine_distance(self, x, w):
        """1 - x.w / (|x| |w| + 1e-8)."""
        dot = (w * x).sum(axis=-1)
        return 1 - dot / (np.linalg.norm(w, axis=-1) * np.linalg.norm(x) + kernels.COSINE_EPSILON)

    def _manhattan_distance(self, x, w):
        """sum |x - w| over the last axis."""
        return np.add.reduce(np.abs(np.subtract(x, w)), axis=-1)

    def _chebyshev_distance(self, x, w):
        """max (x - w) over the last axis (MiniSom's definition: signed, no absolute value)."""
        return np.max(np.subtract(x, w), axis=-1)

    def _activate(self, x):
        self._activation_map = self._activation_distance(x, self._weights)

    def activate(self, x):
        """The activation map for sample x: its distance to every unit, (x, y)."""
        self._activate(x)
        return self._activation_map

    def winner(self, x):
        """Map coordinates (i, j) of the unit nearest to sample x (the first one, row-major, among equals)."""
        self._activate(x)
        return np.unravel_index(self._activation_map.argmin(), self._activation_map.shape)

    # ------------------------------------------------------------------ checks

    def _check_iteration_number(self, num_iteration):
        check_int("num_iteration", num_iteration, 1)

    def _check_input_len(self, data):
        """Refuse data whose rows do not have ``input_len`` values."""
        if len(data) == 0:
            raise ValueError("data has 0 samples; at least 1 is required")
        first = np.asarray(data[0])
        n_features = first.size if first.ndim == 1 else None
        if n_features != self._input_len:
            got = (f"{n_features} features" if n_features is not None
                   else f"rows of shape {first.shape}")
            raise ValueError(f"data has {got}, but this MiniSom has input_len={self._input_len}")

    def _data(self, data):
        """The data as a C-contiguous (n_samples, input_len) float array, checked finite.

        float32 data stay float32 (not copied): MiniSom computes in float64
        from float32 samples converted exactly, which the kernels do on the
        rows they use (:func:`_rows`).
        """
        self._check_input_len(data)
        dtype = np.float32 if getattr(data, "dtype", None) == np.float32 else np.float64
        return check_X(data, dtype, n_features=self._input_len, name="data", owner="MiniSom")

    def _flat_weights(self):
        """The weights as float64 C-contiguous (n_units, input_len), made so in place if they were not.

        MiniSom's users may assign ``_weights``; training then updates the
        array this returns a view of, which ``_weights`` holds.
        """
        w = self._weights
        shape = (len(self._neigx), len(self._neigy), self._input_len)
        if not (isinstance(w, np.ndarray) and w.dtype == np.float64 and w.flags.c_contiguous and w.shape == shape):
            w = np.asarray(w, dtype=np.float64)
            if w.size != np.prod(shape):
                raise ValueError(f"_weights has shape {w.shape}; this map needs (x, y, input_len) = {shape}")
            w = np.ascontiguousarray(w).reshape(shape)
            self._weights = w
        return w.reshape(shape[0] * shape[1], shape[2])

    def _check_fixed_points(self, fixed_points, data):
        x, y = self._weights.shape[:2]
        for k, position in fixed_points.items():
            if isinstance(k, bool) or not isinstance(k, numbers.Integral):
                raise TypeError(f"fixed_points: key {k!r} must be an integer, the index of a sample in data")
            if not 0 <= k < len(data):
                raise ValueError(f"fixed_points: key {k} must be a sample index in [0, {len(data)})")
            i, j = position
            if not (0 <= i < x and 0 <= j < y):
                raise ValueError(f"fixed_points[{k}]={tuple(position)!r} must be map coordinates "
                                 f"with 0 <= i < {x} and 0 <= j < {y}")

    # ---------------------------------------------------------------- training

    def _norms(self, data, rows, used=None):
        """|x| of rows of data as MiniSom's cosine takes it (``np.linalg.norm`` of the row), zeros if not cosine.

        ``norms[k]`` is the norm of ``data[rows[k]]``, for every k in
        ``used`` (default all); the others are left 0.
        """
        norms = np.zeros(len(rows))
        if self._distance_code == kernels.COSINE:
            for k in range(len(rows)) if used is None else used:
                norms[k] = np.linalg.norm(data[rows[k]])  # in data's own dtype, as MiniSom's norm(x)
        return norms

    def _lattice(self):
        x, y = len(self._neigx), len(self._neigy)
        return make_lattice(x, y, self.topology, self._neighborhood_kind)

    def _schedule(self, t, max_iter):
        """Learning rate and sigma at the decay steps ``t`` (int64 array), as MiniSom's update computes them."""
        return (self._decayed(self._learning_rate_decay_function, self._learning_rate, t, max_iter),
                self._decayed(self._sigma_decay_function, self._sigma, t, max_iter))

    def _decayed(self, decay, start, t, max_iter):
        """``decay(start, t_i, max_iter)`` for every step, float64.

        MiniSom's own decays apply their formula to the whole array (NumPy,
        element by element: the same values); any other function is called
        once per distinct step, as MiniSom calls it.
        """
        if getattr(decay, "__self__", None) is self and getattr(decay, "__func__", None) in _DECAY_METHODS:
            values = decay(start, t, max_iter)
        else:
            steps, inverse = np.unique(t, return_inverse=True)
            values = np.array([decay(start, int(step), max_iter) for step in steps], dtype=np.float64)[inverse]
        return np.broadcast_to(np.asarray(values, dtype=np.float64), t.shape)

    def train(self, data, num_iteration, random_order=False, verbose=False, use_epochs=False, fixed_points=None):
        """Train the map online: one sample per iteration, its winner, then every unit pulled towards it.

        Parameters
        ----------
        data : array-like, (n_samples, input_len)
        num_iteration : int
            Iterations, or epochs with ``use_epochs``.
        random_order : bool
            Samples in an order drawn from the map's random generator
            (MiniSom's draws), else in the data's order, cycling.
        verbose : bool
            Print progress and, at the end, the quantization error.
        use_epochs : bool
            ``num_iteration`` epochs of every sample once (one order drawn
            for all epochs); the decays step once per epoch.
        fixed_points : dict, optional
            ``{sample index: (i, j)}``: the unit that wins for that sample,
            whatever its distance.
        """
        self._check_iteration_number(num_iteration)
        array = self._data(data)
        n_samples = len(array)
        forced = np.full(n_samples, -1, dtype=np.int64)
        if fixed_points:
            self._check_fixed_points(fixed_points, data)
            for k, (i, j) in fixed_points.items():
                forced[k] = int(i) * self._weights.shape[1] + int(j)
        samples = sample_order(n_samples, num_iteration, self._random_generator if random_order else None,
                               use_epochs)
        steps_t = np.arange(len(samples))
        if use_epochs:
            steps_t = (steps_t / n_samples).astype(np.int64)  # MiniSom's int(t / len(data))
        # float64 data are used as they are; others are converted to float64, only the rows the
        # iterations use when they are fewer (a short run on a large float32 data set).
        rows = np.arange(n_samples)
        if array.dtype != np.float64 and len(samples) < n_samples:
            rows, samples = np.unique(samples, return_inverse=True)
        X = _rows(array, rows)
        if self._distance_code is None or self._neighborhood_kind is None:
            self._train_python(X, samples, steps_t, num_iteration, forced[rows], verbose)
        else:
            used = np.unique(samples)
            run = kernels.Samples(X, self._norms(array, rows, used), forced[rows], _scale(X, used))
            self._train_kernel(run, samples, steps_t, num_iteration, verbose)
        if verbose:
            print("\n quantization error:", self.quantization_error(data))

    def _train_kernel(self, run, samples, steps_t, max_iter, verbose):
        weights = self._flat_weights()
        kind = self._neighborhood_kind
        lattice, dx, dy = self._lattice()
        order = pairwise_order(self._input_len)
        bounds = np.full(weights.shape[0], -1.0)  # unknown: measured at a row's first tiny update
        n_iterations = len(samples)
        block = min(default_block_size(*weights.shape),
                    max(1, TABLE_ELEMENTS // max(1, table_width(kind, lattice, dx, dy))))
        first = samples[:1]
        bmu = np.empty(1, dtype=np.int64)
        kernels.winners(run.X[first], run.norms[first], weights, self._distance_code, order, bmu)
        bmu = int(run.forced[first[0]] if run.forced[first[0]] >= 0 else bmu[0])
        online = kernels.online_kernel(self._distance_code)
        progress = _Progress(n_iterations, verbose)
        for start in range(0, n_iterations, block):
            stop = min(n_iterations, start + block)
            eta, sigma = self._schedule(steps_t[start:stop], max_iter)
            steps = make_steps(eta, sigma, kind, lattice, dx, dy)
            chunk = np.append(samples[start:stop], samples[stop] if stop < n_iterations else -1)
            bmu = online(run, weights, bounds, lattice, steps, chunk, kind, self._distance_code, order, bmu)
            progress.update(stop)

    def _train_python(self, X, samples, steps_t, max_iter, forced, verbose):
        """MiniSom's loop, for a user's distance or neighbourhood function (which the kernels cannot call)."""
        progress = _Progress(len(samples), verbose)
        y = self._weights.shape[1]
        for t, s in enumerate(samples):
            win = self.winner(X[s])
            if forced[s] >= 0:
                win = divmod(int(forced[s]), y)
            self.update(X[s], win, int(steps_t[t]), max_iter)
            progress.update(t + 1)

    def train_random(self, data, num_iteration, verbose=False):
        """``train`` with samples in random order."""
        self.train(data, num_iteration, random_order=True, verbose=verbose)

    def train_batch(self, data, num_iteration, verbose=False):
        """``train`` with samples in the data's order (despite its name, online training)."""
        self.train(data, num_iteration, random_order=False, verbose=verbose)

    def update(self, x, win, t, max_iteration):
        """One online step: pull every unit towards x by eta(t) * neighbourhood(win, sigma(t)).

        Parameters
        ----------
        x : array-like, (input_len,)
        win : tuple
            Map coordinates of the winner.
        t : int
            Decay step.
        max_iteration : int
            Steps of the whole run.
        """
        eta = self._learning_rate_decay_function(self._learning_rate, t, max_iteration)
        sig = self._sigma_decay_function(self._sigma, t, max_iteration)
        g = self.neighborhood(win, sig) * eta
        self._flat_weights()
        self._weights += g[:, :, None] * (np.asarray(x, dtype=np.float64) - self._weights)

    def train_batch_offline(self, data, num_iteration, verbose=False):
        """Kohonen's batch map: each iteration, every unit moves to the neighbourhood-weighted mean of the data.

        ``w <- (1 - eta) w + eta * sum_s h(s) x_s / sum_s h(s)`` on units
        with a positive denominator, h the neighbourhood of sample s's
        winner at the iteration's sigma.
        """
        self._check_iteration_number(num_iteration)
        array = self._data(data)
        X = _rows(array, np.arange(len(array)))
        weights = self._flat_weights()
        kind = self._neighborhood_kind
        if kind is not None:
            lattice, dx, dy = self._lattice()
        eta, sigma = self._schedule(np.arange(num_iteration), num_iteration)
        progress = _Progress(num_iteration, verbose)
        for t in range(num_iteration):
            bmus = self._bmus(X, array)
            numerator = np.zeros_like(weights)
            denominator = np.zeros(weights.shape[0])
            if kind is None:  # a user's neighbourhood function: MiniSom's sums, sample after sample
                y = self._weights.shape[1]
                for s in range(len(X)):
                    g = self.neighborhood(divmod(int(bmus[s]), y), sigma[t]).reshape(-1)
                    numerator += g[:, None] * X[s]
                    denominator += g
            else:
                steps = make_steps(np.ones(1), sigma[t:t + 1], kind, lattice, dx, dy)
                kernels.batch_sums(X, bmus, lattice, steps, kind, numerator, denominator)
            moved = denominator > 0
            mean = numerator[moved] / denominator[moved, None]
            weights[moved] = (1 - eta[t]) * weights[moved] + eta[t] * mean
            progress.update(t + 1)
        if verbose:
            print(f"Quantization Error: {self.quantization_error(data):.4f}")

    # ------------------------------------------------------------- initial maps

    def random_weights_init(self, data):
        """Set every unit's weights to a sample drawn (with replacement) by the map's random generator."""
        self._check_input_len(data)
        x, y = self._weights.shape[:2]
        for i in range(x):
            for j in range(y):
                self._weights[i, j] = data[self._random_generator.randint(len(data))]

    def pca_weights_init(self, data):
        """Spread the weights over the plane of the data's first two principal components, around its mean.

        Unit (i, j) gets ``mean + c1 * pc1 + c2 * pc2`` with c1, c2 evenly
        spaced in [-1, 1] along each axis of the map. Deterministic.
        """
        if self._input_len == 1:
            raise ValueError("pca_weights_init needs data with at least 2 features (input_len=1)")
        self._check_input_len(data)
        x, y = len(self._neigx), len(self._neigy)
        if x == 1 or y == 1:
            warnings.warn(f"PCA initialization is inappropriate for a {x}x{y} map: one of its dimensions is 1",
                          stacklevel=2)
        values, vectors = np.linalg.eigh(np.cov(data, rowvar=False))
        order = np.argsort(values)[::-1]
        pc1, pc2 = vectors[:, order[0]], vectors[:, order[1]]
        c1 = np.linspace(-1, 1, x)[:, None, None]
        c2 = np.linspace(-1, 1, y)[None, :, None]
        self._weights[...] = np.mean(data, axis=0) + c1 * pc1 + c2 * pc2

    # ------------------------------------------------------------------ queries

    def _winners(self, data):
        """Flat index of every sample's winner, as ``winner`` finds it, and the checked data as float64."""
        array = self._data(data)
        X = _rows(array, np.arange(len(array)))
        return self._bmus(X, array), X

    def _bmus(self, X, array):
        """Guts of :meth:`_winners` on checked data: X float64, ``array`` as given (for cosine's norms)."""
        if self._distance_code is None:
            return np.array([np.ravel_multi_index(self.winner(x), self._weights.shape[:2]) for x in X])
        out = np.empty(len(X), dtype=np.int64)
        kernels.winners(X, self._norms(array, np.arange(len(array))), self._flat_weights(), self._distance_code,
                        pairwise_order(self._input_len), out)
        return out

    def _distance_from_weights(self, data):
        """Euclidean distance of every sample to every unit, (n_samples, n_units).

        As MiniSom computes it, from |x|^2 - 2 x.w + |w|^2 (clipped at 0):
        fast, but near 0 it loses the digits the subtraction cancels.
        """
        X = np.asarray(data, dtype=np.float64)
        W = self._weights.reshape(-1, self._weights.shape[2])
        x2 = np.power(X, 2).sum(axis=1, keepdims=True)
        w2 = np.power(W, 2).sum(axis=1, keepdims=True)
        return np.sqrt(np.maximum(0, -2 * np.dot(X, W.T) + x2 + w2.T))

    def quantization(self, data):
        """The weights of each sample's nearest unit, (n_samples, input_len) (euclidean, as MiniSom)."""
        self._check_input_len(data)
        nearest = np.argmin(self._distance_from_weights(data), axis=1)
        return self._weights[np.unravel_index(nearest, self._weights.shape[:2])]

    def quantization_error(self, data):
        """Mean euclidean distance between each sample and its nearest unit's weights."""
        self._check_input_len(data)
        return np.linalg.norm(np.asarray(data, dtype=np.float64) - self.quantization(data), axis=1).mean()

    def topographic_error(self, data):
        """Share of samples whose two nearest units are not neighbours on the map.

        Rectangular maps count the 8 surrounding units as neighbours,
        hexagonal maps the 6 at distance 1. NaN (with a warning) on a map
        of one unit.
        """
        self._check_input_len(data)
        if self._activation_map.size == 1:
            warnings.warn("The topographic error is not defined for a 1-by-1 map.", stacklevel=2)
            return np.nan
        best_two = np.argsort(self._distance_from_weights(data), axis=1)[:, :2]
        if self.topology == "hexagonal":
            xx, yy = self.get_euclidean_coordinates()
            flat_x, flat_y = xx.reshape(-1), yy.reshape(-1)
            dx = flat_x[best_two[:, 0]] - flat_x[best_two[:, 1]]
            dy = flat_y[best_two[:, 0]] - flat_y[best_two[:, 1]]
            return 1 - np.mean(np.isclose(1, np.linalg.norm(np.column_stack([dx, dy]), axis=1)))
        i, j = np.unravel_index(best_two, self._weights.shape[:2])
        steps = np.hstack([np.diff(i), np.diff(j)])
        return (np.linalg.norm(steps, axis=1) > RECTANGULAR_ADJACENT).mean()

    def distortion_measure(self, data):
        """sum over samples and units of neighbourhood(winner, sigma) * distance(sample, unit)."""
        bmus, X = self._winners(data)
        weights = self._flat_weights()
        distances = np.empty((len(X), weights.shape[0]))
        kernels.activations(X, np.zeros(len(X)), weights, kernels.EUCLIDEAN, pairwise_order(self._input_len),
                            distances)
        x, y = self._weights.shape[:2]
        distortion = 0
        for u, d in zip(bmus, distances, strict=True):
            distortion += (self.neighborhood(divmod(int(u), y), self._sigma) * d.reshape(x, y)).sum()
        return distortion

    def distance_map(self, scaling="sum"):
        """The U-matrix: each unit's summed (or mean) euclidean distance to its neighbours, scaled to max 1.

        Rectangular units have 8 neighbours; hexagonal units 6.
        """
        if scaling not in ("sum", "mean"):
            raise ValueError(f"scaling={scaling!r} is not one of 'sum', 'mean'")
        w = self._weights
        x, y = w.shape[:2]
        if self.topology == "hexagonal":
            # Offsets (di, dj) for columns j that are even and odd.
            offsets = {True: ((0, 1), (1, 0), (0, -1), (-1, -1), (-1, 0), (-1, 1)),
                       False: ((1, 1), (1, 0), (1, -1), (0, -1), (-1, 0), (0, 1))}
        else:
            ring = ((0, -1), (-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1))
            offsets = {True: ring, False: ring}
        um = np.full((x, y, 8), np.nan)
        for i in range(x):
            for j in range(y):
                for k, (di, dj) in enumerate(offsets[j % 2 == 0]):
                    if 0 <= i + di < x and 0 <= j + dj < y:
                        d = w[i, j] - w[i + di, j + dj]
                        um[i, j, k] = np.sqrt(np.dot(d, d))
        um = np.nanmean(um, axis=2) if scaling == "mean" else np.nansum(um, axis=2)
        return um / um.max()

    def activation_response(self, data):
        """How many samples each unit wins, (x, y)."""
        bmus, _ = self._winners(data)
        x, y = self._weights.shape[:2]
        return np.bincount(bmus, minlength=x * y).reshape(x, y).astype(float)

    def win_map(self, data, return_indices=False):
        """``{(i, j): [samples (or their indices) that unit (i, j) wins, in data order]}``."""
        bmus, _ = self._winners(data)
        y = self._weights.shape[1]
        winmap = defaultdict(list)
        for k, (x, u) in enumerate(zip(data, bmus, strict=True)):
            winmap[divmod(int(u), y)].append(k if return_indices else x)
        return winmap

    def labels_map(self, data, labels):
        """``{(i, j): Counter of the labels of the samples unit (i, j) wins}``."""
        self._check_input_len(data)
        if len(data) != len(labels):
            raise ValueError(f"data and labels must have the same length; got {len(data)} samples "
                             f"and {len(labels)} labels")
        winmap = defaultdict(list)
        bmus, _ = self._winners(data)
        y = self._weights.shape[1]
        for u, label in zip(bmus, labels, strict=True):
            winmap[divmod(int(u), y)].append(label)
        for position in winmap:
            winmap[position] = Counter(winmap[position])
        return winmap


#: MiniSom's own functions (the methods of this class), by the kernels' code each stands for.
_DISTANCE_METHODS = {MiniSom._euclidean_distance: kernels.EUCLIDEAN, MiniSom._cosine_distance: kernels.COSINE,
                     MiniSom._manhattan_distance: kernels.MANHATTAN, MiniSom._chebyshev_distance: kernels.CHEBYSHEV}
_NEIGHBORHOOD_METHODS = {MiniSom._gaussian: kernels.GAUSSIAN, MiniSom._mexican_hat: kernels.MEXICAN_HAT,
                         MiniSom._bubble: kernels.BUBBLE, MiniSom._triangle: kernels.TRIANGLE}
_DECAY_METHODS = frozenset({MiniSom._inverse_decay_to_zero, MiniSom._linear_decay_to_zero,
                            MiniSom._inverse_decay_to_one, MiniSom._linear_decay_to_one, MiniSom._asymptotic_decay})


def _code_of(som, function, methods):
    """methods' code for ``function`` if it is one of them bound to ``som`` (not overridden), else None."""
    if getattr(function, "__self__", None) is not som:
        return None
    return methods.get(getattr(function, "__func__", None))


def _rows(array, rows):
    """Rows of the data as float64, C-contiguous (the same values: float32 converts exactly)."""
    if len(rows) == len(array):
        return np.ascontiguousarray(array, dtype=np.float64)
    return np.ascontiguousarray(array[rows], dtype=np.float64)


def _scale(X, used):
    """1 / max |x_k| over the rows ``used`` of X (the iterations' samples), per feature; inf where all are 0.

    See kernels.minisom.update_mode: only samples an update pulls towards
    need bounding.
    """
    largest = np.empty(X.shape[1])
    kernels.largest(X, used, largest)
    with np.errstate(divide="ignore"):
        return 1.0 / largest


class _Progress:
    """MiniSom's progress line on stdout (``[ i / n ] p% - time left``), at most every tenth of a second."""

    def __init__(self, total, enabled):
        self.total = total
        self.enabled = enabled
        self.start = time.perf_counter()
        self.shown = 0.0

    def update(self, done):
        if not self.enabled:
            return
        now = time.perf_counter()
        if done < self.total and now - self.shown < 0.1:
            return
        self.shown = now
        left = (self.total - done) * (now - self.start) / max(done, 1)
        width = len(str(self.total))
        sys.stdout.write(f"\r [ {done:{width}} / {self.total} ] {100 * done / self.total:3.0f}% - {left:7.1f} s left ")
        sys.stdout.flush()
