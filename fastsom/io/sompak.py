"""Import and export of SOM_PAK codebook files (``.cod``).

SOM_PAK (Kohonen, Hynninen, Kangas and Laaksonen, "SOM_PAK: The
Self-Organizing Map Program Package", Helsinki University of Technology,
report A31, 1996) stores a map as text:

* a header line ``dim topology xdim ydim neighborhood``, e.g.
  ``3 hexa 10 8 gaussian``: ``topology`` is ``hexa`` or ``rect``,
  ``neighborhood`` is ``gaussian`` or ``bubble``;
* then one line per unit, its ``dim`` numbers separated by whitespace,
  optionally followed by labels; units in order with x running fastest:
  all of y = 0, then y = 1, ...;
* lines starting with ``#`` are comments, anywhere in the file.

What was checked, and where
---------------------------
Against the SOM_PAK 3.1 C sources (``datafile.c``, ``som_rout.c``, as
redistributed in biolab/orange2, ``source/orangeom/som/``) and the SOM
Toolbox's ``som_read_cod.m``:

* Header: ``read_headers`` takes the first line that does not start with
  ``#`` and reads dim, topology, xdim, ydim, neighborhood as its fields 1
  to 5; ``write_header`` writes them in that order. The names are
  ``hexa``/``rect`` and ``bubble``/``gaussian`` (``topol_list``,
  ``neigh_list``), compared case-sensitively.
* Unit order: every SOM_PAK routine maps the i-th codebook entry to
  ``x = i % xdim, y = i / xdim`` (``bubble_adapt``, ``gaussian_adapt``,
  ``lininit_codes``), so x runs fastest. SOM Toolbox's reader agrees: it
  takes xdim as the number of columns and ydim as the number of rows and
  transposes the "xy-indexing" into its own column-major order. (Its help
  text says rows run "from right to left"; the code, and SOM_PAK's, treat
  x = 0 as the first unit of a row, which is what we do.)
* Hexagonal lattice: ``hexa_dist`` subtracts 0.5 from the x difference
  when the BMU's row is even and the other unit's odd, and adds 0.5 in the
  opposite case, then adds ``0.75 * dy**2``: unit (x, y) sits at
  ``(x + 0.5 * (y % 2), y * sqrt(3) / 2)``. Odd rows are shifted right by
  half a unit and rows are sqrt(3)/2 apart.
* Data lines: ``load_entry`` reads the first ``dim`` tokens as numbers
  (the token ``x`` marks a missing, "masked" component) and every further
  token as a label, or as ``weight=``/``fixed=`` for data files.

How fastsom maps onto it
------------------------
fastsom numbers units row-major, ``u = row * n_cols + col``, and shifts
odd rows of hexagonal maps right by half a unit with rows sqrt(3)/2 apart
(:mod:`fastsom.topology`). With **x = column and y = row**
(``xdim = n_cols``, ``ydim = n_rows``) SOM_PAK's i-th unit is our unit
u = i and both hexagonal lattices are the same: ``weights_[row, col]`` is
line ``row * n_cols + col`` of the codebook, with no reordering.

Decisions
---------
* Toroidal maps: SOM_PAK has no torus. ``export_cod`` writes the codebook
  (it is exact, and BMUs, ``transform`` and quantization errors do not
  depend on the lattice) with a ``UserWarning``: read as a planar map,
  the units along the seams lose their neighbours across it, which
  changes further training, topographic errors and U-matrices. Import it
  with ``import_cod(path, toroidal=True)`` to get the torus back.
* Neighbourhoods: SOM_PAK knows ``gaussian`` (``exp(-d^2 / 2 r^2)`` on the
  whole map, fastsom's ``gaussian``) and ``bubble`` (``d <= r``,
  fastsom's ``bubble``). The others are written as the nearest SOM_PAK
  name, with a ``UserWarning``: ``gaussian_cutoff`` -> ``gaussian`` (the
  same curve without its cut-off), ``triangle`` -> ``gaussian`` (a smooth
  decreasing bump, unlike the flat bubble), ``mexican_hat`` ->
  ``gaussian`` (its central lobe is a gaussian). The header's
  neighbourhood only says how SOM_PAK would continue training; the
  codebook is unaffected. ``import_cod(path, neighborhood=...)`` overrides
  the header's.
* Numbers are written so that reading them back gives the same bits:
  float64 as Python's ``repr`` (the shortest decimal that rounds back to
  the same double), float32 with 9 significant digits. SOM_PAK itself
  reads values into C floats (``sscanf("%f")``), so it keeps float32
  precision whatever we write.
* On import, labels (every token after the ``dim`` numbers, from the
  first one that is not a number) are ignored, as are ``#n`` component
  name lines (a SOM Toolbox extension) and blank lines. A number right
  after the ``dim`` values is refused as "too many values": it almost
  always means a header with the wrong ``dim``, so labels must not
  begin with a number. Missing values (``x``), NaN and infinity are
  refused: a fastsom map needs every weight. Values are parsed as
  float64 and rounded once to the map's ``dtype``.
* Slightly more tolerant than SOM_PAK on layout: blank lines are skipped
  (as SOM Toolbox does; SOM_PAK's own loader cannot read them) and a ``#``
  after leading blanks starts a comment too. Stricter on the header: it
  must have exactly the five fields (SOM_PAK ignores anything after the
  fifth).
* The files are ASCII with ``\\n`` line ends and no comments, so every
  SOM_PAK-style reader can take them.
"""

import os
import re
import warnings

import numpy as np

from .._validation import check_memory, largest_safe_value
from ..settings import resolve
from .files import atomic_write

#: fastsom topology -> SOM_PAK lattice name.
TOPOLOGY_TO_SOMPAK = {"rectangular": "rect", "hexagonal": "hexa"}
#: SOM_PAK lattice name -> fastsom topology.
TOPOLOGY_FROM_SOMPAK = {"rect": "rectangular", "hexa": "hexagonal"}
#: fastsom neighborhood -> the SOM_PAK name written (exact for gaussian and bubble only).
NEIGHBORHOOD_TO_SOMPAK = {
    "gaussian": "gaussian",
    "bubble": "bubble",
    "gaussian_cutoff": "gaussian",
    "triangle": "gaussian",
    "mexican_hat": "gaussian",
}
#: SOM_PAK neighborhood name -> fastsom neighborhood.
NEIGHBORHOOD_FROM_SOMPAK = {"gaussian": "gaussian", "bubble": "bubble"}
#: SOM_PAK's token for a missing ("masked") component (``MASKED_VALUE`` in datafile.h).
MISSING_VALUE = "x"

HEADER_EXAMPLE = "3 hexa 10 8 gaussian"

# What C's strtod reads as a finite decimal number; Python's float() also
# takes "1_000", "nan" and "infinity", which no SOM_PAK file should hold.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NON_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_COUNT = re.compile(r"[0-9]+")


def export_cod(som, path):
    """Write a fitted map's codebook to ``path`` in SOM_PAK's ``.cod`` format.

    The header is ``n_features topology n_cols n_rows neighborhood`` (SOM_PAK's
    x is our column, y our row), then one line per unit in fastsom's unit
    order, ``u = row * n_cols + col``, which is SOM_PAK's. Values are written
    exactly (``repr`` for float64, 9 significant digits for float32), so
    :func:`import_cod` gives back the same bits. The write is atomic (a
    temporary file in the same folder, then a rename).

    Parameters
    ----------
    som : SOM
        A fitted map.
    path : str or path-like
        Where to write; an existing file is replaced.

    Returns
    -------
    path : str

    Warns
    -----
    UserWarning
        For a toroidal map (SOM_PAK has no torus; the file describes a
        planar map) and for a neighborhood SOM_PAK lacks (the nearest of
        ``gaussian``/``bubble`` is written). See the module docstring.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from fastsom import SOM
    >>> from fastsom import export_cod, import_cod
    >>> X = np.random.default_rng(0).random((40, 3))
    >>> som = SOM(2, 3, n_iterations=100, topology="hexagonal", random_state=0).fit(X)
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = export_cod(som, os.path.join(folder.name, "map.cod"))
    >>> with open(path) as stream:
    ...     stream.readline()
    '3 hexa 3 2 gaussian\\n'
    >>> same = import_cod(path)
    >>> bool((same.weights_ == som.weights_).all()), same.topology
    (True, 'hexagonal')
    >>> folder.cleanup()
    """
    som._check_fitted()
    weights = som.weights_
    n_rows, n_cols, n_features = weights.shape
    settings = som.settings_  # what the map was fitted with, not parameters set since
    if settings.topology not in TOPOLOGY_TO_SOMPAK:
        raise ValueError(f"topology={settings.topology!r} is not one of {', '.join(map(repr, TOPOLOGY_TO_SOMPAK))}")
    if settings.neighborhood not in NEIGHBORHOOD_TO_SOMPAK:
        raise ValueError(f"neighborhood={settings.neighborhood!r} is not one of "
                         f"{', '.join(map(repr, NEIGHBORHOOD_TO_SOMPAK))}")
    neighborhood = NEIGHBORHOOD_TO_SOMPAK[settings.neighborhood]
    if neighborhood != settings.neighborhood:
        warnings.warn(f"SOM_PAK has no {settings.neighborhood!r} neighborhood; the file says {neighborhood!r}, "
                      f"the nearest it knows. Import with neighborhood={settings.neighborhood!r} to restore it",
                      UserWarning, stacklevel=2)
    if settings.toroidal:
        warnings.warn("SOM_PAK has no toroidal maps; the codebook is written as a planar map, whose units along "
                      "the seams are no longer neighbours. Import with toroidal=True to restore the torus",
                      UserWarning, stacklevel=2)
    if weights.dtype == np.float32:
        def text(value):
            return format(value, ".9g")  # 9 significant digits identify every float32
    else:
        text = repr  # the shortest decimal that reads back as the same double
    header = f"{n_features} {TOPOLOGY_TO_SOMPAK[settings.topology]} {n_cols} {n_rows} {neighborhood}\n"
    path = os.fspath(path)
    with atomic_write(path, "w", encoding="ascii", newline="\n") as stream:
        stream.write(header)
        # .tolist() gives Python floats holding each value exactly (float32 widens without rounding)
        stream.writelines(" ".join(map(text, unit)) + "\n"
                          for unit in weights.reshape(n_rows * n_cols, n_features).tolist())
    return path


def read_cod(path, params, defaults):
    """Read a SOM_PAK codebook file: the settings and the weights of the map it holds.

    Guts of :func:`fastsom.import_cod`, which builds the fitted ``SOM`` and
    documents the rules. ``params``: the caller's ``SOM`` parameters;
    ``defaults``: every ``SOM`` parameter's default. Returns ``(settings,
    weights)``: :class:`fastsom.settings.Settings` and an (n_units, dim)
    array in the settings' dtype.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no SOM_PAK codebook file at {path}")
    with open(path, encoding="utf-8", errors="replace") as stream:
        lines = _content_lines(stream)
        header_line, header_tokens = next(lines, (None, None))
        if header_line is None:
            raise ValueError(f"{path} is empty (or holds only comments and blank lines): expected a SOM_PAK "
                             f"header line such as {HEADER_EXAMPLE!r}")
        dim, lattice, xdim, ydim, neighborhood = _parse_header(header_tokens, path, header_line)
        settings = _settings(path, header_line, params, defaults, n_rows=ydim, n_cols=xdim,
                             topology=TOPOLOGY_FROM_SOMPAK[lattice],
                             neighborhood=NEIGHBORHOOD_FROM_SOMPAK[neighborhood])
        n_units = xdim * ydim
        where = f"the header (line {header_line}) says {xdim} x {ydim} = {n_units} units"
        check_memory(n_units, dim, np.float64, name=f"the codebook in {path}")
        # A unit line holds dim numbers of at least one character and a separator:
        # a header claiming more than the file can hold is refused before allocating.
        if n_units * dim * 2 > os.path.getsize(path):
            raise ValueError(f"{path}: {where}, of {dim} values each, but the file has only "
                             f"{os.path.getsize(path)} bytes")
        weights = np.empty((n_units, dim), dtype=np.float64)
        line_of_unit = np.empty(n_units, dtype=np.int64)
        n_read, last_line = 0, header_line
        for number, tokens in lines:
            if n_read == n_units:
                raise ValueError(f"{path}, line {number}: one unit line too many; {where}")
            weights[n_read] = _parse_unit(tokens, dim, path, number, header_line)
            line_of_unit[n_read] = number
            n_read += 1
            last_line = number
    if n_read < n_units:
        raise ValueError(f"{path}, line {last_line + 1}: the file ends after {n_read} unit lines; {where}")
    dtype = settings.dtype
    with np.errstate(over="ignore"):  # reported below, with the line
        weights = weights.astype(dtype, copy=False)
    finite = np.isfinite(weights).all(axis=1)
    if not finite.all():
        unit = int(np.argmin(finite))
        raise ValueError(f"{path}, line {line_of_unit[unit]}: a value overflows {dtype.name} (largest "
                         f"{np.finfo(dtype).max:.4g}); import with dtype='float64'")
    limit = largest_safe_value(dtype, dim)
    safe = (np.abs(weights) <= limit).all(axis=1)
    if not safe.all():  # the check SOM.fit makes of an init array, with the line
        unit = int(np.argmin(safe))
        raise ValueError(f"{path}, line {line_of_unit[unit]}: a value of {np.abs(weights[unit]).max():.3g} is above "
                         f"{limit:.3g}, where squared distances overflow {dtype.name} with {dim} features. Scale "
                         "the codebook (e.g. to [0, 1])")
    return settings, np.ascontiguousarray(weights)


def _content_lines(stream):
    """(1-based line number, tokens) of each line that is neither blank nor a ``#`` comment."""
    for number, line in enumerate(stream, start=1):
        tokens = line.split()
        if tokens and not tokens[0].startswith("#"):
            yield number, tokens


def _parse_header(tokens, path, number):
    """dim, lattice, xdim, ydim, neighborhood of a header line; ValueError naming the line."""
    where = f"{path}, line {number}"
    if len(tokens) != 5:
        hint = (" (a SOM_PAK data file or an LVQ codebook?)" if len(tokens) < 3 else "")
        raise ValueError(f"{where}: the header {' '.join(tokens)!r} has {len(tokens)} fields{hint}; a SOM_PAK "
                         f"codebook header has 5, 'dim topology xdim ydim neighborhood', e.g. {HEADER_EXAMPLE!r}")
    dim, lattice, xdim, ydim, neighborhood = tokens
    sizes = {}
    for name, value in (("dim", dim), ("xdim", xdim), ("ydim", ydim)):
        if not _COUNT.fullmatch(value) or int(value) < 1:
            raise ValueError(f"{where}: {name}={value!r} in the header must be an integer >= 1")
        sizes[name] = int(value)
    if lattice not in TOPOLOGY_FROM_SOMPAK:
        raise ValueError(f"{where}: topology {lattice!r} in the header is not one of "
                         f"{', '.join(map(repr, TOPOLOGY_FROM_SOMPAK))}")
    if neighborhood not in NEIGHBORHOOD_FROM_SOMPAK:
        raise ValueError(f"{where}: neighborhood {neighborhood!r} in the header is not one of "
                         f"{', '.join(map(repr, NEIGHBORHOOD_FROM_SOMPAK))}")
    return sizes["dim"], lattice, sizes["xdim"], sizes["ydim"], neighborhood


def _parse_unit(tokens, dim, path, number, header_line):
    """The ``dim`` numbers at the start of a unit line, as floats; ValueError naming the line."""
    where = f"{path}, line {number}"
    values = []
    for position, token in enumerate(tokens[:dim], start=1):
        if _NUMBER.fullmatch(token):
            values.append(float(token))
        elif token == MISSING_VALUE:
            raise ValueError(f"{where}: value {position} is {MISSING_VALUE!r}, SOM_PAK's mark for a missing "
                             "value; a codebook needs every value")
        elif _NON_FINITE.fullmatch(token):
            raise ValueError(f"{where}: value {position} is {token!r}; NaN and infinity are not allowed")
        else:
            raise ValueError(f"{where}: value {position} {token!r} is not a number")
    if len(values) < dim:
        raise ValueError(f"{where}: {len(values)} values, but the header (line {header_line}) says dim={dim}")
    extra = 0
    for token in tokens[dim:]:
        if not (_NUMBER.fullmatch(token) or _NON_FINITE.fullmatch(token)):
            break  # the labels start here
        extra += 1
    if extra:
        raise ValueError(f"{where}: {dim + extra} values, but the header (line {header_line}) says dim={dim} "
                         "(labels after the values must not start with a number)")
    return values


def _settings(path, header_line, params, defaults, **from_file):
    """The header's settings with the caller's params; refuses params that contradict the file."""
    for name in params:
        if name not in defaults:
            raise ValueError(f"{name!r} is not a parameter of SOM; valid: {', '.join(defaults)}")
    for name in ("n_rows", "n_cols", "topology"):
        if name in params and params[name] != from_file[name]:
            raise ValueError(f"{name}={params[name]!r} contradicts {path}: its header (line {header_line}) "
                             f"gives {name}={from_file[name]!r}")
    return resolve({**defaults, **from_file, **params})
