"""Fitted maps from files: model files (:func:`load`) and SOM_PAK codebooks (:func:`import_cod`).

The readers in :mod:`fastsom.io` turn an untrusted file into checked arrays
and settings; this module hands them to ``SOM._from_fitted``, so neither the
file formats nor the estimator import each other.
"""

from .io import model as model_file
from .io import sompak
from .som import SOM


def load(path):
    """Read a model written by ``SOM.save``; returns the fitted ``SOM``.

    The file is untrusted input: every field is checked before use (see
    :mod:`fastsom.io.model`). The estimator has the parameters it was
    fitted with, ``extra_`` (what the writer kept beside the model) and
    ``unsaved_params_`` (parameters JSON could not hold, now at their defaults).

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        A damaged, truncated or foreign file, a file written by a newer
        fastsom (format version), or a header field that is malformed or
        does not match the weights: the message names the file and the field.
    """
    return SOM._from_file(model_file.read(path, SOM().get_params()))


def import_cod(path, **params):
    """Read a SOM_PAK codebook file; returns a fitted ``SOM`` whose weights are the codebook.

    ``n_rows``/``n_cols`` come from the header's ydim/xdim, ``topology`` from
    its lattice (``rect``/``hexa``) and ``neighborhood`` from its
    neighbourhood (``gaussian``/``bubble``); line ``row * n_cols + col`` of
    the codebook becomes ``weights_[row, col]``. Labels after the numbers,
    comment lines (``#``) and blank lines are ignored. The map is ready for
    ``predict``/``transform``; ``partial_fit`` continues training from it
    (``fit`` starts afresh from ``init``).

    Parameters
    ----------
    path : str or path-like
    **params
        Further ``SOM`` parameters (``dtype`` defaults to "float64",
        ``distance``, ``toroidal``, training settings...). ``neighborhood``
        overrides the header's; ``n_rows``, ``n_cols`` and ``topology`` may
        be given only if they agree with the file.

    Returns
    -------
    som : SOM
        Fitted: ``weights_`` of shape (n_rows, n_cols, dim) in ``dtype``,
        ``n_features_in_ = dim``, ``n_iter_ = 0``, ``history_ = []``.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        Naming the file and the 1-based line: an empty file, a bad header
        (not 5 fields, sizes that are not integers >= 1, an unknown lattice
        or neighbourhood), a unit line with too few or too many values, a
        value that is not a number, a missing value (``x``), NaN or
        infinity, fewer or more unit lines than xdim * ydim, or values that
        overflow ``dtype``. Also bad ``params`` or ``params`` that
        contradict the header.
    """
    return SOM._from_fitted(*sompak.read_cod(path, params, SOM().get_params()))
