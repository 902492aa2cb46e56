"""scikit-learn's parameter protocol, without depending on scikit-learn.

``get_params`` / ``set_params`` / ``__repr__`` read the parameter names
from ``__init__``'s signature, as ``sklearn.base.BaseEstimator`` does, so
``sklearn.base.clone``, ``GridSearchCV`` and ``Pipeline`` work with fastsom
estimators while scikit-learn stays optional.
"""

import inspect


class ParamsMixin:
    """get_params / set_params / repr for an estimator whose __init__ only stores."""

    @classmethod
    def _param_names(cls):
        signature = inspect.signature(cls.__init__)
        return [name for name in signature.parameters if name != "self"]

    def get_params(self, deep=True):
        """Parameters of this estimator, as a dict (``deep`` is accepted and ignored)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        """Set parameters by name; unknown names raise ``ValueError`` listing the valid ones.

        All names are checked before any is set, so a bad call changes nothing.
        """
        valid = self._param_names()
        for name in params:
            if name not in valid:
                raise ValueError(f"{name!r} is not a parameter of {type(self).__name__}; valid: {', '.join(valid)}")
        for name, value in params.items():
            setattr(self, name, value)
        return self

    def __sklearn_is_fitted__(self):
        """scikit-learn's ``check_is_fitted`` asks this: fitted attributes end in ``_``."""
        return any(name.endswith("_") and not name.startswith("__") for name in vars(self))

    def __sklearn_tags__(self):
        """scikit-learn >= 1.6 asks every estimator (e.g. a Pipeline's last step) for its tags."""
        from sklearn.utils import Tags, TargetTags, TransformerTags

        return Tags(estimator_type=None, target_tags=TargetTags(required=False), transformer_tags=TransformerTags())

    def __repr__(self):
        signature = inspect.signature(type(self).__init__)
        changed = []
        for name, parameter in signature.parameters.items():
            if name == "self":
                continue
            value = getattr(self, name)
            default = parameter.default
            same = value is default or (type(value) is type(default) and _safe_equal(value, default))
            if not same:
                changed.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(changed)})"


def _safe_equal(a, b):
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # arrays and other objects without a truth value
        return False
