"""Exceptions fastsom raises beyond the built-in ones."""

try:  # let ``except sklearn.exceptions.NotFittedError`` catch ours too
    from sklearn.exceptions import NotFittedError as _NotFittedBase

    _NOT_FITTED_BASES = (_NotFittedBase,)
except ImportError:  # pragma: no cover - scikit-learn is optional
    _NOT_FITTED_BASES = (ValueError, AttributeError)


class NotFittedError(*_NOT_FITTED_BASES):
    """Raised when a method that needs a trained map is called before ``fit``.

    A ValueError and an AttributeError, as scikit-learn's; when scikit-learn
    is installed it is a subclass of ``sklearn.exceptions.NotFittedError``.
    """


class TrainingDiverged(ValueError):
    """Training stopped because the map's weights left the finite numbers.

    ``n_iter`` is the step (iteration or epoch) of the last finite map,
    which the estimator keeps.
    """

    def __init__(self, message, n_iter):
        super().__init__(message)
        self.n_iter = n_iter
