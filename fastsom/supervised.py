"""Maps that predict: ``SOMClassifier`` and ``SOMRegressor``.

A supervised map is a :class:`fastsom.SOM` of the data X plus a label for
every unit: class probabilities, or values. ``predict(X)`` finds each row's
best matching unit on X alone and answers with that unit's label. The units
are labelled in one of two ways (``supervision``):

* ``"joint"`` (kohonen's ``xyf``, the SOM Toolbox's ``som_supervised``):
  the labels of the training rows, one-hot for classes, standardised for a
  regressor, are appended to X as a *label block* that takes part in the
  BMU search while the map trains (with feature weight
  :func:`label_column_weight`), so that rows of one class gather on one part
  of the map even where X alone would mix them. The trained label columns
  are then each unit's label, and the map of X alone (``som_``: the data
  columns, the label block's weight set to 0) does the matching.
* ``"post_hoc"`` (MiniSom's Classification notebook, SuSi's two stages in
  one): an unsupervised map of X, then each unit is labelled from the
  labelled training rows it wins.

A unit that won no labelled row (post hoc) takes the neighbourhood-weighted
average of the others, ``(H S) / (H N)`` with the gaussian of the map's
final radius, as the batch map averages (kohonen leaves it NA, kohonen#14);
the training prior where even that is empty. Probabilities are real
probabilities: the clipped, normalised label prototype (joint) or the
share of each class among the rows a unit won (post hoc).

**Semi-supervised**: a row labelled ``-1`` (classes, scikit-learn's
convention) or NaN (regression, per output) is unlabelled: its label block
is missing (``SOM(missing="ignore")`` on the label columns), so it shapes
the map by X alone and labels nothing.

**label_weight=0** is exactly the unsupervised map, bit for bit: the labels
take no part in training, so the estimator trains ``SOM(**params)`` on X
and labels its units post hoc (the joint route, with weight-0 label
columns, would run the masked kernels, whose sums round differently from
the plain fast paths). With ``label_weight > 0`` the data columns start
from the unsupervised map's initial weights (same ``init`` and seed) and
the label columns from the prior, so the first BMUs are X's.

The literal loops of all of this are ``reference/supervised.py``.
"""

import numbers
import warnings

import numpy as np

from . import _threads
from ._params import ParamsMixin
from ._validation import check_feature_names, check_option, check_X, is_chunked, user_stacklevel
from .exceptions import NotFittedError
from .missing import inspect_rows, without_empty_rows
from .options import NEIGHBORHOODS
from .som import SOM
from .training.batch import lattice, smooth

#: How the units get their labels (see the module docstring).
SUPERVISION = ("joint", "post_hoc")

#: The label of an unlabelled row of a classifier's y (scikit-learn's semi-supervised convention).
UNLABELLED = -1


# --------------------------------------------------------------------------- unit labels

def label_column_weight(X, Y, label_weight, feature_weights=None):
    """The feature weight of every label column in joint training, a float.

    ``label_weight * s_X / s_Y``, ``s`` the sum of the population variances
    of a block's columns over their observed values, X's each times its
    feature weight: ``label_weight=1`` gives the label block the same share
    of the squared distance as the data, whatever their scales (kohonen's
    layer balancing). ``label_weight`` itself when either block does not vary.

    X (n_samples, n_features) and Y (n_samples, n_columns), NaN where missing.
    """
    s_x = _variance_sum(X, feature_weights)
    s_y = _variance_sum(Y, None)
    if s_x == 0.0 or s_y == 0.0:
        return float(label_weight)
    return float(label_weight) * s_x / s_y


def _variance_sum(A, weights):
    """Sum over columns of weight * population variance of the observed values (0 for a column with none)."""
    A = np.asarray(A, dtype=np.float64)
    observed = ~np.isnan(A)
    count = observed.sum(axis=0)
    filled = np.where(observed, A, 0.0)
    mean = filled.sum(axis=0) / np.maximum(count, 1)
    variance = np.where(observed, (A - mean) ** 2, 0.0).sum(axis=0) / np.maximum(count, 1)
    return float(variance.sum() if weights is None else np.dot(variance, weights))


def label_prior(Y):
    """Mean of each label column over its observed values (classes: the share of each class), (n_columns,)."""
    observed = ~np.isnan(Y)
    return np.where(observed, Y, 0.0).sum(axis=0) / np.maximum(observed.sum(axis=0), 1)


def joint_probabilities(label_block, prior):
    """Class probabilities of every unit from its label prototype: clipped at 0, over their sum; else the prior.

    label_block (n_units, n_classes); prior (n_classes,). Training keeps
    prototypes in [0, 1] summing to 1 (averages of one-hot rows) except
    where a mexican hat pushes units away: hence the clip.
    """
    clipped = np.maximum(np.asarray(label_block, dtype=np.float64), 0.0)
    total = clipped.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0.0, clipped / total, prior)


def post_hoc_statistics(bmu, Y, n_units):
    """Per unit and label column, the sum S and count N of the observed labels of the rows it wins.

    bmu (n_samples,) int64, -1 for a row without a BMU; Y (n_samples,
    n_columns) float64, NaN where missing. Returns S, N (n_units, n_columns)
    float64.
    """
    observed = ~np.isnan(Y) & (bmu >= 0)[:, None]
    S = np.zeros((n_units, Y.shape[1]))
    N = np.zeros((n_units, Y.shape[1]))
    rows, columns = np.nonzero(observed)
    np.add.at(S, (bmu[rows], columns), Y[rows, columns])
    np.add.at(N, (bmu[rows], columns), 1.0)
    return S, N


def unit_labels(S, N, settings, prior):
    """Each unit's label, ``S / N``; where ``N`` is 0, ``(H S) / (H N)``, H the gaussian of the final radius.

    The batch map's smoothing (:func:`fastsom.training.batch.smooth`,
    separable, never an n_units x n_units table); the prior where even the
    smoothed count is 0 (units further than ~38 radii from every labelled
    unit: the gaussian underflows). Returns (n_units, n_columns) float64.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        labels = S / N
    empty = N == 0.0
    if empty.any():
        coords, geometry = settings.grid
        stats = np.ascontiguousarray(np.hstack([S, N]))
        smoothed = smooth(stats, coords, geometry, lattice(coords, geometry), NEIGHBORHOODS["gaussian"],
                          settings.final_sigma, np.empty_like(stats))
        top, bottom = smoothed[:, :S.shape[1]], smoothed[:, S.shape[1]:]
        with np.errstate(invalid="ignore", divide="ignore"):
            average = np.where(bottom > 0.0, top / bottom, prior)
        labels = np.where(empty, average, labels)
    return labels


# --------------------------------------------------------------------------- the estimators

def _check_label_weight(value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"label_weight={value!r} must be a real number >= 0")
    if not (np.isfinite(value) and value >= 0):
        raise ValueError(f"label_weight={value!r} must be a finite number >= 0 (0: the labels do not shape the map)")
    return float(value)


def _column_vector_warning():
    """scikit-learn's DataConversionWarning when scikit-learn is there (its checks expect it), else UserWarning."""
    try:
        from sklearn.exceptions import DataConversionWarning
    except ImportError:  # pragma: no cover - scikit-learn is optional
        return UserWarning
    return DataConversionWarning


class _SupervisedMap(ParamsMixin):
    """What SOMClassifier and SOMRegressor share: the map's parameters, fit, the BMUs of queries.

    The signature repeats SOM's parameters, names and defaults, because
    scikit-learn reads an estimator's parameters from its ``__init__``
    (no ``**kwargs``); their checks stay in SOM, which ``fit`` hands them
    to, and ``tests/test_supervised.py`` fails when the two signatures part.
    """

    def __init__(self, n_rows=10, n_cols=10, *, supervision="joint", label_weight=1.0, algorithm="online",
                 n_iterations=None, n_epochs=20, learning_rate=0.5, learning_rate_end=0.01, sigma=None,
                 sigma_end=1.0, learning_rate_schedule="exponential", sigma_schedule="exponential",
                 neighborhood="gaussian", topology="rectangular", toroidal=False, distance="euclidean",
                 feature_weights=None, missing="error", max_missing=1.0, init="random", strict=False,
                 dtype="float64", n_jobs=None, callbacks=None, early_stopping=False, tol=1e-4,
                 n_iter_no_change=3, random_state=None, verbose=False):
        self.n_rows = n_rows
        self.n_cols = n_cols
        self.supervision = supervision
        self.label_weight = label_weight
        self.algorithm = algorithm
        self.n_iterations = n_iterations
        self.n_epochs = n_epochs
        self.learning_rate = learning_rate
        self.learning_rate_end = learning_rate_end
        self.sigma = sigma
        self.sigma_end = sigma_end
        self.learning_rate_schedule = learning_rate_schedule
        self.sigma_schedule = sigma_schedule
        self.neighborhood = neighborhood
        self.topology = topology
        self.toroidal = toroidal
        self.distance = distance
        self.feature_weights = feature_weights
        self.missing = missing
        self.max_missing = max_missing
        self.init = init
        self.strict = strict
        self.dtype = dtype
        self.n_jobs = n_jobs
        self.callbacks = callbacks
        self.early_stopping = early_stopping
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.random_state = random_state
        self.verbose = verbose

    def _som_params(self):
        """The parameters of the map, as ``SOM`` takes them (SOM validates them: one home)."""
        return {name: getattr(self, name) for name in SOM._param_names()}

    # ---------------------------------------------------------------- fit

    @_threads.within_n_jobs
    def fit(self, X, y):
        """Train the map on X and label its units from y.

        Parameters
        ----------
        X : array_like or DataFrame, shape (n_samples, n_features)
            Finite numbers (NaN allowed with ``missing="ignore"``). Not modified.
        y : array_like, shape (n_samples,) (regressor: or (n_samples, n_outputs))
            The labels; unlabelled rows: -1 (classifier) or NaN (regressor).

        Returns
        -------
        self
        """
        supervision = check_option("supervision", self.supervision, {name: name for name in SUPERVISION})
        label_weight = _check_label_weight(self.label_weight)
        params = self._som_params()
        probe = SOM(**params)
        settings = probe._resolve()  # every parameter checked before X is read
        owner = type(self).__name__
        if is_chunked(X):
            raise TypeError(f"{owner} trains in memory: pass X.compute() (dask collections are for SOM)")
        names = check_feature_names(X, None, True, owner)
        X = check_X(X, settings.dtype, owner=owner, missing=settings.missing)
        # Fitted attributes are gathered here and set once training is done,
        # so a refused or interrupted fit leaves a fitted estimator as it was.
        if y is None:  # (scikit-learn's wording, which its checks look for)
            raise ValueError(f"{owner} requires y to be passed, but the target y is None")
        Y, fitted = self._encode_y(y, X.shape[0])  # (n_samples, n_columns) float64, NaN: no label
        settings = probe._resolve(X)  # "auto" sizes from X alone, as the unsupervised map's
        prior = label_prior(Y)
        if supervision == "post_hoc" or label_weight == 0.0:
            som = SOM(**params).fit(X)
            S, N = post_hoc_statistics(som.predict(X), Y, settings.n_units)
            outputs = unit_labels(S, N, som.settings_, prior)
            history = som.history_
            for name in ("label_column_weight_", "label_prototypes_"):  # joint only: not from an earlier fit
                vars(self).pop(name, None)
        else:
            som, prototypes, history, fitted["label_column_weight_"] = self._fit_joint(
                probe, settings, params, X, Y, prior, label_weight)
            fitted["label_prototypes_"] = prototypes.reshape(settings.n_rows, settings.n_cols, -1)
            outputs = self._joint_outputs(prototypes, prior)
        vars(self).update(fitted)
        self.som_ = som
        self.prior_ = prior
        self._unit_outputs = outputs
        self._publish_units(outputs.reshape(settings.n_rows, settings.n_cols, -1))
        self.history_ = history
        self.n_iter_ = som.n_iter_
        self.n_features_in_ = X.shape[1]
        if names is not None:
            self.feature_names_in_ = names
        elif "feature_names_in_" in vars(self):
            del self.feature_names_in_
        return self

    def _fit_joint(self, probe, settings, params, X, Y, prior, label_weight):
        """Train the map of [X, label block].

        Returns (the map of X alone, the label prototypes (n_units,
        n_columns) in y's units, the training history, the label columns'
        feature weight).
        """
        if settings.ignores_missing:
            rows = inspect_rows(X, settings.feature_weights, settings.max_missing)
            if rows.empty.shape[0]:  # nothing of X to match on: skipped, as SOM skips them (and says so)
                Y = np.delete(Y, rows.empty, axis=0)
            X, incomplete = without_empty_rows(X, rows)
        else:
            incomplete = None
        # The data columns start where SOM(**params).fit(X) would start (same
        # plan, same init), the label columns at the prior: every unit's
        # label distance to a row is then the same, so the first BMUs are X's.
        probe._start(X, settings, settings.n_steps if settings.online else 0, None, incomplete)
        n_features, n_columns = X.shape[1], Y.shape[1]
        center, spread = self._label_scaling(Y, prior)
        block = (Y - center) / spread
        start = np.empty((settings.n_units, n_features + n_columns), dtype=settings.dtype)
        start[:, :n_features] = probe._weights
        start[:, n_features:] = (prior - center) / spread
        data_weights = np.ones(n_features) if settings.feature_weights is None else settings.feature_weights
        column_weight = label_column_weight(X, block, label_weight, settings.feature_weights)
        joint = SOM(**{
            **params, "n_rows": settings.n_rows, "n_cols": settings.n_cols,
            "init": start.reshape(settings.n_rows, settings.n_cols, -1),
            "feature_weights": np.concatenate([data_weights, np.full(n_columns, column_weight)]),
            "missing": "ignore" if settings.ignores_missing or np.isnan(block).any() else "error",
            "max_missing": 1.0,  # X's rows were checked above; labels may all be missing
        })
        joint.fit(np.hstack([X, block.astype(settings.dtype)]))
        weights = joint.weights_.reshape(settings.n_units, -1)
        som = SOM._from_fitted(settings, np.ascontiguousarray(weights[:, :n_features]), n_iter=joint.n_iter_)
        prototypes = weights[:, n_features:].astype(np.float64) * spread + center
        return som, prototypes, joint.history_, column_weight

    def _label_scaling(self, Y, prior):
        """(center, spread) of the label block in joint training: the block is (Y - center) / spread."""
        return 0.0, 1.0

    def _joint_outputs(self, prototypes, prior):
        """Each unit's output from its trained label prototype (in y's units)."""
        return prototypes

    # ---------------------------------------------------------------- queries

    def _check_fitted(self):
        if "som_" not in vars(self):
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet; call fit(X, y) first")

    def _bmus(self, X):
        """BMU of every row of X on the map of X alone (-1: nothing observed), validated as fit's X."""
        self._check_fitted()
        owner = type(self).__name__
        if is_chunked(X):
            raise TypeError(f"{owner} answers in memory: pass X.compute()")
        check_feature_names(X, getattr(self, "feature_names_in_", None), False, owner)
        settings = self.som_.settings_
        X = check_X(X, settings.dtype, n_features=self.n_features_in_, owner=owner, missing=settings.missing)
        return self.som_.predict(X)

    def _outputs(self, X):
        """Each row's label vector: its BMU's unit label, the prior for a row without a BMU."""
        bmu = self._bmus(X)
        units = self._unit_outputs
        return np.where((bmu >= 0)[:, None], units[np.maximum(bmu, 0)], self.prior_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.transformer_tags = None  # no transform: the map's distances are som_.transform
        tags.input_tags.allow_nan = self.missing == "ignore"
        return tags


class SOMClassifier(_SupervisedMap):
    """A self-organising map that predicts classes: each unit labelled, each row answered by its BMU's label.

    Parameters
    ----------
    n_rows, n_cols : int or "auto", default 10
        As :class:`fastsom.SOM`, and so is every parameter not listed here:
        they describe the map, and ``SOM`` checks them (its errors name them).
    supervision : {"joint", "post_hoc"}, default "joint"
        "joint": the one-hot labels train with X as a label block (kohonen's
        xyf, the SOM Toolbox's som_supervised), so classes gather on the map;
        a unit's probabilities are its trained label prototype. "post_hoc":
        an unsupervised map of X, each unit labelled by the share of each
        class among the labelled training rows it wins. See
        :mod:`fastsom.supervised`.
    label_weight : float >= 0, default 1.0
        Joint: the label block's share of the squared distance in training,
        relative to X's (1: equal shares, whatever the scales; see
        :func:`label_column_weight`). 0: the labels do not shape the map,
        which is then exactly ``SOM(...).fit(X)``, labelled post hoc.

    Attributes
    ----------
    classes_ : ndarray, shape (n_classes,)
        The class labels (sorted), numbers or strings.
    som_ : SOM
        The fitted map of X alone (every ``SOM`` query and plot works on it).
    unit_proba_ : ndarray, shape (n_rows, n_cols, n_classes)
        Each unit's class probabilities; rows of ``predict_proba``.
    prior_ : ndarray, shape (n_classes,)
        The share of each class among the labelled training rows: the answer
        for a row with nothing observed (``missing="ignore"``).
    label_column_weight_ : float
        Joint only: the feature weight the label columns trained with.
    label_prototypes_ : ndarray, shape (n_rows, n_cols, n_classes)
        Joint only: the trained label columns (averages of one-hot rows),
        before the clip and normalisation that make ``unit_proba_``.
    n_features_in_, feature_names_in_, n_iter_, history_
        As :class:`fastsom.SOM`'s (history: the training map's errors,
        label block included for joint supervision).

    Notes
    -----
    y labels -1 are unlabelled rows (scikit-learn's semi-supervised
    convention): they shape the map by X alone. Labels -1 and 1 of a binary
    problem therefore need recoding (e.g. to 0 and 1). NaN in y is refused.

    Examples
    --------
    >>> from fastsom import SOMClassifier
    >>> from fastsom.datasets import load_iris
    >>> X, y, species, _ = load_iris()
    >>> clf = SOMClassifier(6, 6, algorithm="batch", init="pca", random_state=0).fit(X, y)
    >>> clf.predict(X[:3]).tolist(), clf.predict_proba(X[:1]).shape
    ([0, 0, 0], (1, 3))
    """

    _estimator_type = "classifier"  # scikit-learn < 1.6 reads this

    def _encode_y(self, y, n_samples):
        """(The one-hot label block of y, NaN rows unlabelled; {"classes_": ...}), y checked."""
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            warnings.warn("A column-vector y was passed when a 1d array was expected. Please change the shape of y "
                          "to (n_samples, ), for example using ravel().", _column_vector_warning(),
                          stacklevel=user_stacklevel())
            y = y.ravel()
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D, one class label per row; got shape {y.shape} (several outputs: "
                             "one classifier each)")
        if y.shape[0] != n_samples:
            raise ValueError(f"y has {y.shape[0]} labels but X has {n_samples} rows: one label per row")
        if y.dtype.kind == "O":  # numbers held as objects (pandas) are numbers; strings stay labels
            try:
                y = y.astype(np.float64)
            except (TypeError, ValueError):
                pass
        if y.dtype.kind == "f":
            if np.isnan(y).any():
                raise ValueError(f"y contains NaN (row {int(np.argmax(np.isnan(y)))}): {type(self).__name__} marks "
                                 f"an unlabelled row with {UNLABELLED}, not NaN")
            if not (np.isfinite(y).all() and (y == np.round(y)).all()):
                raise ValueError("Unknown label type: y holds continuous values, not class labels (for values, "
                                 "use SOMRegressor)")
        elif y.dtype.kind not in "biuUS" and y.dtype.kind != "O":
            raise TypeError(f"y must hold class labels (numbers or strings); got dtype {y.dtype}")
        labelled = np.ones(n_samples, dtype=bool) if y.dtype.kind in "USO" else y != UNLABELLED
        try:
            classes, codes = np.unique(y[labelled], return_inverse=True)
        except TypeError as error:  # None among strings, ...
            raise TypeError(f"y must hold labels of one sortable kind (numbers or strings): {error}") from None
        if classes.shape[0] < 2:
            found = "no labelled row" if classes.shape[0] == 0 else f"only one class ({classes.tolist()[0]!r})"
            raise ValueError(f"y has {found}: a classifier needs labelled rows of at least 2 classes"
                             + (f" ({UNLABELLED} marks an unlabelled row)" if not labelled.all() else ""))
        Y = np.full((n_samples, classes.shape[0]), np.nan)
        Y[labelled] = 0.0
        Y[np.flatnonzero(labelled), codes.ravel()] = 1.0
        return Y, {"classes_": classes}

    def _joint_outputs(self, prototypes, prior):
        return joint_probabilities(prototypes, prior)

    def _publish_units(self, outputs):
        self.unit_proba_ = outputs

    def predict_proba(self, X):
        """Class probabilities of each row: its BMU's, (n_samples, n_classes) float64, columns as ``classes_``."""
        return self._outputs(X)

    def predict(self, X):
        """The class of each row: its BMU's most probable class (the lowest in ``classes_`` on ties)."""
        proba = self._outputs(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def score(self, X, y, sample_weight=None):
        """Accuracy: the (weighted) share of rows whose predicted class is y's."""
        correct = (self.predict(X) == np.asarray(y).ravel()).astype(np.float64)
        return float(np.average(correct, weights=sample_weight))

    def __sklearn_tags__(self):
        from sklearn.utils import ClassifierTags

        tags = super().__sklearn_tags__()
        tags.estimator_type = "classifier"
        tags.classifier_tags = ClassifierTags(multi_label=False)
        return tags


class SOMRegressor(_SupervisedMap):
    """A self-organising map that predicts values: each unit labelled, each row answered by its BMU's value.

    Parameters
    ----------
    n_rows, n_cols : int or "auto", default 10
        As :class:`fastsom.SOM`, and so is every parameter not listed here.
    supervision : {"joint", "post_hoc"}, default "joint"
        "joint": the standardised targets train with X as a label block; a
        unit's value is its trained label prototype. "post_hoc": an
        unsupervised map of X, each unit's value the mean target of the
        labelled training rows it wins. See :mod:`fastsom.supervised`.
    label_weight : float >= 0, default 1.0
        As :class:`SOMClassifier`'s.

    Attributes
    ----------
    som_ : SOM
        The fitted map of X alone.
    unit_values_ : ndarray, shape (n_rows, n_cols) or (n_rows, n_cols, n_outputs)
        Each unit's prediction (the second form when y was 2-D).
    prior_ : ndarray, shape (n_outputs,)
        The mean target: the answer for a row with nothing observed.
    label_column_weight_ : float
        Joint only: the feature weight the label columns trained with.
    label_prototypes_ : ndarray, shape (n_rows, n_cols, n_outputs)
        Joint only: the trained label columns in y's units (``unit_values_``
        has the same values).
    n_features_in_, feature_names_in_, n_iter_, history_
        As :class:`SOMClassifier`'s.

    Notes
    -----
    NaN in y marks an unlabelled value (a whole row, or single outputs).

    Examples
    --------
    >>> import numpy as np
    >>> from fastsom import SOMRegressor
    >>> X = np.random.default_rng(0).random((300, 2))
    >>> y = X[:, 0] + 2 * X[:, 1]
    >>> reg = SOMRegressor(8, 8, n_iterations=5000, random_state=0).fit(X, y)
    >>> bool(reg.score(X, y) > 0.9)
    True
    """

    _estimator_type = "regressor"

    def _encode_y(self, y, n_samples):
        """(y as a (n_samples, n_outputs) label block, NaN unlabelled; {"_output_ndim": y's}), y checked."""
        y = np.asarray(y)
        try:
            Y = np.asarray(y, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"y must hold numbers (NaN: unlabelled); got dtype {y.dtype}") from None
        if Y.ndim not in (1, 2) or Y.ndim == 2 and Y.shape[1] == 0:
            raise ValueError(f"y must be 1-D or 2-D (n_samples, n_outputs); got shape {Y.shape}")
        if Y.shape[0] != n_samples:
            raise ValueError(f"y has {Y.shape[0]} rows but X has {n_samples}: one target per row")
        if np.isinf(Y).any():
            raise ValueError("y contains infinity; it must be finite (NaN marks an unlabelled value)")
        fitted = {"_output_ndim": Y.ndim}
        Y = Y.reshape(n_samples, -1)
        if np.isnan(Y).all(axis=0).any():
            raise ValueError("y has no labelled value" + (f" for output {int(np.argmax(np.isnan(Y).all(axis=0)))}"
                                                          if Y.shape[1] > 1 else "") + ": every value is NaN")
        return Y, fitted

    def _label_scaling(self, Y, prior):
        """Standardised targets: each output's mean and standard deviation over its labelled values (1 if 0)."""
        spread = np.sqrt(np.nanmean((Y - prior) ** 2, axis=0))
        return prior, np.where(spread > 0, spread, 1.0)

    def _publish_units(self, outputs):
        self.unit_values_ = outputs[:, :, 0] if self._output_ndim == 1 else outputs

    def predict(self, X):
        """The value of each row: its BMU's, (n_samples,) or (n_samples, n_outputs) float64 as y was."""
        values = self._outputs(X)
        return values[:, 0] if self._output_ndim == 1 else values

    def score(self, X, y, sample_weight=None):
        """R^2 of the predictions, averaged over outputs (scikit-learn's ``r2_score``)."""
        y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        predicted = self.predict(X).reshape(y.shape)
        weights = np.ones(y.shape[0]) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        residual = (weights[:, None] * (y - predicted) ** 2).sum(axis=0)
        total = (weights[:, None] * (y - np.average(y, axis=0, weights=weights)) ** 2).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            # a constant y: 1 for a perfect fit, else 0, as scikit-learn answers
            r2 = np.where(total > 0, 1.0 - residual / total, np.where(residual == 0, 1.0, 0.0))
        return float(r2.mean())

    def __sklearn_tags__(self):
        from sklearn.utils import RegressorTags

        tags = super().__sklearn_tags__()
        tags.estimator_type = "regressor"
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        tags.regressor_tags = RegressorTags()
        return tags
