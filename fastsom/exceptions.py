"""Exceptions fastsom raises beyond the built-in ones.

:class:`NotFittedError` is a ValueError and an AttributeError, as
scikit-learn's, and ``except sklearn.exceptions.NotFittedError`` catches it
too, without fastsom importing scikit-learn: that import took 1.1 s of the
1.3-1.5 s of ``import fastsom`` (issue 9). How: when the error is made while
``sklearn.exceptions`` is imported, the instance is of a subclass of both
classes (made once, on first need). Code whose ``except`` clause names
``sklearn.exceptions.NotFittedError`` has imported that module before the
error can reach the clause, so it always gets such an instance; code that
never imports scikit-learn never pays for it.

Simpler ways do not work: an ``except`` clause matches by the real class
hierarchy and ignores ``__subclasscheck__`` (so ``ABCMeta.register`` would
not do), and choosing the base class when fastsom is imported misses users
who import scikit-learn after fastsom.
"""

import sys

#: The class of errors made while scikit-learn is loaded (see _for_sklearn).
_SKLEARN_FLAVOUR = "_NotFittedErrorForSklearn"


class NotFittedError(ValueError, AttributeError):
    """Raised when a method that needs a trained map is called before ``fit``.

    A ValueError and an AttributeError, as scikit-learn's; while
    ``sklearn.exceptions`` is imported, an instance of a subclass of
    ``sklearn.exceptions.NotFittedError`` as well (see the module's notes).
    """

    def __new__(cls, *args, **kwargs):
        if cls is NotFittedError and "sklearn.exceptions" in sys.modules:
            cls = _for_sklearn()
        return super().__new__(cls, *args, **kwargs)



class TrainingDiverged(ValueError):
    """Training stopped because the map's weights left the finite numbers.

    ``n_iter`` is the step (iteration or epoch) of the last finite map,
    which the estimator keeps.
    """

    def __init__(self, message, n_iter):
        super().__init__(message)
        self.n_iter = n_iter

def _for_sklearn():
    """The subclass of fastsom's and scikit-learn's NotFittedError, made on first use."""
    flavour = globals().get(_SKLEARN_FLAVOUR)
    if flavour is None:
        from sklearn.exceptions import NotFittedError as sklearn_error

        flavour = type(_SKLEARN_FLAVOUR, (NotFittedError, sklearn_error), {
            "__module__": __name__,
            "__doc__": "fastsom's NotFittedError, also scikit-learn's (made while scikit-learn is loaded).",
        })
        globals()[_SKLEARN_FLAVOUR] = flavour
    return flavour


def __getattr__(name):
    # Unpickling an error made while scikit-learn was loaded looks its class
    # up here, in a process where it may not exist yet.
    if name == _SKLEARN_FLAVOUR:
        return _for_sklearn()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
