"""Pictures of a map (matplotlib, an optional extra: ``pip install fastsom[plot]``).

Every unit is drawn as one cell: a unit square on rectangular maps, a
hexagon on hexagonal ones (odd rows shifted right by half a cell, as the
grid distances assume). Row 0 is at the top, as in the tutorial's picture.
Each function draws on the ``ax`` it is given (or on a new figure) and
returns the Axes (``plot_components``: the Figure); none calls
``plt.show()``.

>>> import numpy as np
>>> from fastsom import SOM
>>> from fastsom.analysis import plot
>>> X = np.random.default_rng(0).random((100, 3))
>>> som = SOM(6, 6, n_iterations=500, topology="hexagonal", random_state=0).fit(X)
>>> ax = plot.plot_umatrix(som)
>>> len(ax.collections[0].get_paths())  # one hexagon per unit
36
"""

import numpy as np

from .. import topology as _topology

#: Radius of a hexagonal cell: neighbours are 1 apart, so a pointy-top
#: hexagon of width 1 has its corners 1/sqrt(3) from its centre.
_HEX_RADIUS = 1 / np.sqrt(3)


def pyplot():
    """matplotlib.pyplot, or an ImportError naming the install command."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            "fastsom's plots need matplotlib: pip install 'fastsom[plot]' (or pip install matplotlib)"
        ) from error
    return plt


def save_png(figure, path, dpi=120):
    """Write ``figure`` to ``path`` as PNG atomically (never half a file), then close it."""
    from ..io.files import atomic_write

    with atomic_write(path) as stream:
        figure.savefig(stream, format="png", dpi=dpi, bbox_inches="tight")
    pyplot().close(figure)
    return path


def _new_axes(ax, figsize=(5, 5)):
    if ax is None:
        _, ax = pyplot().subplots(figsize=figsize)
    return ax


def _map_of(som):
    """(n_rows, n_cols, topology) of a fitted SOM."""
    settings = getattr(som, "settings_", None)  # what it was fitted with, not parameters set since
    if settings is None:
        raise TypeError(f"expected a fitted fastsom SOM, got {type(som).__name__}")
    return settings.n_rows, settings.n_cols, settings.topology


def cell_polygons(n_rows, n_cols, topology="rectangular"):
    """Corners of every unit's cell, (n_units, n_corners, 2) as (x, y) in data coordinates."""
    centres = _topology.plot_positions(n_rows, n_cols, topology)
    if topology == "hexagonal":
        angles = np.deg2rad(30 + 60 * np.arange(6))  # pointy top: corners at 30, 90, ... degrees
        corners = _HEX_RADIUS * np.column_stack([np.cos(angles), np.sin(angles)])
    else:
        corners = 0.5 * np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=np.float64)
    return centres[:, None, :] + corners[None, :, :]


def draw_cells(ax, n_rows, n_cols, topology="rectangular", values=None, colors=None, cmap="viridis",
               colorbar_label=None, edgecolor="none"):
    """One polygon per unit, coloured by ``values`` (n_units,) through ``cmap`` or by RGB ``colors``.

    Returns the PolyCollection (its paths are in unit order). Masked
    ``values`` leave their cells empty. Sets the axes' limits and aspect,
    row 0 on top, no ticks.
    """
    from matplotlib.collections import PolyCollection

    cells = PolyCollection(cell_polygons(n_rows, n_cols, topology), edgecolors=edgecolor, linewidths=0.5)
    if colors is not None:
        cells.set_facecolor(np.asarray(colors).reshape(n_rows * n_cols, -1))
    else:
        cells.set_array(np.ma.asarray(values, dtype=np.float64).ravel())  # masked cells stay empty
        cells.set_cmap(cmap)
    ax.add_collection(cells)
    x_max = n_cols - 0.5 + (0.5 if topology == "hexagonal" and n_rows > 1 else 0.0)
    pad = _HEX_RADIUS if topology == "hexagonal" else 0.5
    y_max = _topology.plot_positions(n_rows, n_cols, topology)[:, 1].max()
    ax.set_xlim(-0.5 - 0.05, x_max + 0.05)
    ax.set_ylim(y_max + pad + 0.05, -pad - 0.05)  # inverted: row 0 on top
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    if values is not None and colorbar_label is not None:
        ax.figure.colorbar(cells, ax=ax, label=colorbar_label, fraction=0.046, pad=0.04)
    return cells


def plot_colours(som, ax=None, title=None):
    """A map of 3 features as RGB colours, one cell per unit (the tutorial's picture).

    Parameters
    ----------
    som : SOM or ndarray, shape (n_rows, n_cols, 3)
        A fitted ``SOM`` (its topology is used) or a weight array (drawn
        rectangular). Values are clipped to [0, 1].
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    weights = np.asarray(getattr(som, "weights_", som))
    if weights.ndim != 3 or weights.shape[2] != 3:
        raise ValueError(f"plot_colours needs a map of 3 features, shape (n_rows, n_cols, 3); got {weights.shape}")
    topology = getattr(som, "topology", "rectangular")
    ax = _new_axes(ax, figsize=(4, 4))
    draw_cells(ax, *weights.shape[:2], topology, colors=np.clip(weights, 0.0, 1.0))
    if title:
        ax.set_title(title)
    return ax


def plot_umatrix(som, ax=None, connectivity=None, cmap="bone_r", title="U-matrix", colorbar=True, full=False):
    """The U-matrix: each unit shaded by its mean distance to its grid neighbours.

    Dark = far from its neighbours (a border between clusters) with the
    default ``cmap``. ``connectivity`` as in ``SOM.topographic_error``.
    ``full=True`` draws the SOM Toolbox's full U-matrix instead: half-size
    cells between touching units holding their distance, and at the units
    the median of those around (:func:`fastsom.analysis.summaries.umatrix_cells`).

    Returns
    -------
    matplotlib.axes.Axes
    """
    n_rows, n_cols, topology = _map_of(som)
    ax = _new_axes(ax)
    if not full:
        draw_cells(ax, n_rows, n_cols, topology, values=som.umatrix(connectivity), cmap=cmap,
                   colorbar_label="mean distance to neighbours" if colorbar else None)
    else:
        from matplotlib.collections import PolyCollection

        from .summaries import umatrix_cells

        weights = np.ascontiguousarray(som.weights_.reshape(n_rows * n_cols, -1))
        positions, values, _ = umatrix_cells(weights, n_rows, n_cols, topology, som.settings_.metric,
                                                  som.settings_.feature_weights)
        corners = cell_polygons(1, 1, topology)[0] / 2  # half the units' spacing
        cells = PolyCollection(positions[:, None, :] + corners[None, :, :], edgecolors="none")
        cells.set_array(values)
        cells.set_cmap(cmap)
        ax.add_collection(cells)
        draw_cells(ax, n_rows, n_cols, topology, colors=np.zeros((n_rows * n_cols, 4)))  # limits and aspect only
        if colorbar:
            ax.figure.colorbar(cells, ax=ax, label="distance between neighbours", fraction=0.046, pad=0.04)
    if title:
        ax.set_title(title)
    return ax


def plot_hits(som, X, ax=None, cmap="Blues", annotate=None, title="Hits", colorbar=True):
    """Hit map: each unit shaded by how many samples of ``X`` it wins.

    ``annotate`` writes the counts in the cells (default: when the map has
    at most 400 units).

    Returns
    -------
    matplotlib.axes.Axes
    """
    n_rows, n_cols, topology = _map_of(som)
    hits = som.hit_counts(X)
    ax = _new_axes(ax)
    # Units that won nothing are left empty (masked), not drawn in the lowest colour.
    draw_cells(ax, n_rows, n_cols, topology, values=np.ma.masked_equal(hits, 0), cmap=cmap,
               colorbar_label="samples won" if colorbar else None, edgecolor="0.85")
    if annotate is None:
        annotate = n_rows * n_cols <= 400
    if annotate:
        centres = _topology.plot_positions(n_rows, n_cols, topology)
        threshold = hits.max() / 2
        for (x, y), count in zip(centres, hits.ravel(), strict=True):
            if count:
                ax.text(x, y, str(count), ha="center", va="center", fontsize=7,
                        color="white" if count > threshold else "black")
    if title:
        ax.set_title(title)
    return ax


def plot_components(som, features=None, feature_names=None, n_cols=None, cmap="viridis", cell_size=2.2):
    """Component planes: one small map per feature, shaded by that feature's weight.

    Parameters
    ----------
    som : fitted SOM
    features : sequence of int, optional
        Which features (default all).
    feature_names : sequence of str, optional
        Titles; default the SOM's ``feature_names_in_`` or "feature k".
    n_cols : int, optional
        Panels per row of the figure (default up to 4).

    Returns
    -------
    matplotlib.figure.Figure
        One Axes per plotted feature in ``fig.axes`` order (colour bars
        follow them).
    """
    n_rows, n_map_cols, topology = _map_of(som)
    planes = som.component_planes()
    features = list(range(planes.shape[0])) if features is None else [int(k) for k in features]
    for k in features:
        if not 0 <= k < planes.shape[0]:
            raise ValueError(f"feature {k} is out of range: the map has {planes.shape[0]} features")
    if feature_names is None:
        known = getattr(som, "feature_names_in_", None)
        feature_names = list(known) if known is not None else [f"feature {k}" for k in range(planes.shape[0])]
    elif len(feature_names) != planes.shape[0]:
        raise ValueError(f"feature_names has {len(feature_names)} names; the map has {planes.shape[0]} features")
    n_panels = len(features)
    if n_cols is not None and (isinstance(n_cols, bool) or not isinstance(n_cols, (int, np.integer)) or n_cols < 1):
        raise ValueError(f"n_cols={n_cols!r} must be an integer >= 1")
    n_cols = min(4, n_panels) if n_cols is None else int(n_cols)
    n_fig_rows = -(-n_panels // n_cols)
    aspect = n_rows / max(n_map_cols, 1)
    fig, axes = pyplot().subplots(n_fig_rows, n_cols, squeeze=False,
                                   figsize=(cell_size * n_cols * 1.25, cell_size * n_fig_rows * max(aspect, 0.4)))
    for panel, ax in enumerate(axes.ravel()):
        if panel >= n_panels:
            fig.delaxes(ax)
            continue
        k = features[panel]
        cells = draw_cells(ax, n_rows, n_map_cols, topology, values=planes[k], cmap=cmap)
        fig.colorbar(cells, ax=ax, fraction=0.046, pad=0.04)
        ax.set_title(str(feature_names[k]), fontsize=9)
    return fig


def plot_samples(som, X, labels, ax=None, jitter=0.35, random_state=0, label_names=None, background="umatrix",
                 markersize=10, legend=True, title=None):
    """Samples scattered on their BMU's cell with random jitter, coloured by label (the tutorial's
    iris and digits pictures).

    Parameters
    ----------
    som : fitted SOM
    X : array_like (n_samples, n_features)
    labels : array_like (n_samples,)
        Any labels; one colour per distinct label, in sorted order.
    jitter : float
        Radius of the uniform disc each point is scattered in (cell units;
        0.5 reaches the cell's edge).
    random_state : int
        Seed of the jitter, so pictures are reproducible.
    label_names : mapping or sequence, optional
        Legend text per label (default the label itself).
    background : {"umatrix", None}
        Draw the U-matrix in light grey under the points.

    Returns
    -------
    matplotlib.axes.Axes
    """
    n_rows, n_cols, topology = _map_of(som)
    labels = np.asarray(labels)
    bmu = som.predict(X)
    if labels.ndim != 1 or len(labels) != len(bmu):
        raise ValueError(f"labels must be 1-D with one label per sample ({len(bmu)}); got shape {labels.shape}")
    if background not in ("umatrix", None):
        raise ValueError(f"background={background!r} must be 'umatrix' or None")
    ax = _new_axes(ax, figsize=(6, 6))
    if background == "umatrix":
        umatrix = som.umatrix()
        cells = draw_cells(ax, n_rows, n_cols, topology, values=umatrix, cmap="Greys", edgecolor="white")
        low, high = np.nanmin(umatrix), np.nanmax(umatrix)
        cells.set_clim(low, low + 2.5 * (high - low))  # light greys: the points stay readable on borders
    else:
        draw_cells(ax, n_rows, n_cols, topology, colors=np.full((n_rows * n_cols, 3), 0.96), edgecolor="0.85")
    rng = np.random.default_rng(random_state)
    angle = rng.uniform(0, 2 * np.pi, len(bmu))
    radius = jitter * np.sqrt(rng.uniform(0, 1, len(bmu)))  # uniform over the disc
    points = _topology.plot_positions(n_rows, n_cols, topology)[bmu]
    points = points + np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    classes = np.unique(labels)
    if label_names is not None and not isinstance(label_names, dict) and len(label_names) != len(classes):
        raise ValueError(f"label_names has {len(label_names)} names for {len(classes)} distinct labels; give one per "
                         "label, in sorted order (or a dict)")
    cmap = pyplot().get_cmap("tab10" if len(classes) <= 10 else "tab20")
    for index, label in enumerate(classes):
        mine = labels == label
        if isinstance(label_names, dict):
            name = label_names.get(label, label)
        elif label_names is not None:
            name = label_names[index]
        else:
            name = label
        ax.scatter(points[mine, 0], points[mine, 1], s=markersize, color=cmap(index % cmap.N), label=str(name),
                   edgecolors="none", alpha=0.85)
    if legend:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, markerscale=1.5, fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def region_borders(n_rows, n_cols, topology, labels, toroidal=False):
    """Segments between touching units of different regions, (n_segments, 2, 2) as (x, y) pairs.

    Each is the edge two cells share; pairs that touch only across a
    torus's seam share no drawn edge and give none.
    """
    from .regions import region_neighbors

    labels = np.asarray(labels).ravel()
    cells = np.round(cell_polygons(n_rows, n_cols, topology), 9)
    segments = []
    for u, row in enumerate(region_neighbors(n_rows, n_cols, topology, toroidal)):
        for v in row:
            if v > u and labels[u] != labels[v]:
                shared = [corner for corner in cells[u] if (np.abs(cells[v] - corner).sum(axis=1) < 1e-6).any()]
                if len(shared) == 2:
                    segments.append(shared)
    return np.array(segments, dtype=np.float64).reshape(-1, 2, 2)


def plot_regions(som, ax=None, background="umatrix", title="Regions", colorbar=True, linewidth=2.0):
    """The map's regions (``som.clusters_``, from :meth:`fastsom.SOM.cluster`) drawn as borders over the U-matrix.

    Borders fall between touching units of different regions; on a good
    clustering they follow the U-matrix's ridges (dark cells). With
    ``background="regions"`` the cells are coloured by region instead.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.collections import LineCollection

    n_rows, n_cols, topology = _map_of(som)
    labels = getattr(som, "clusters_", None)
    if labels is None:
        raise ValueError("the map has no regions yet: call som.cluster() first")
    ax = _new_axes(ax)
    if background == "umatrix":
        draw_cells(ax, n_rows, n_cols, topology, values=som.umatrix(), cmap="bone_r",
                   colorbar_label="mean distance to neighbours" if colorbar else None)
    elif background == "regions":
        cmap = pyplot().get_cmap("tab20")
        draw_cells(ax, n_rows, n_cols, topology, colors=cmap(labels.ravel() % cmap.N)[:, :3], edgecolor="white")
    else:
        raise ValueError(f"background={background!r} must be 'umatrix' or 'regions'")
    borders = region_borders(n_rows, n_cols, topology, labels, som.settings_.toroidal)
    ax.add_collection(LineCollection(borders, colors="crimson", linewidths=linewidth, capstyle="round"))
    if title:
        ax.set_title(f"{title} ({len(np.unique(labels))})")
    return ax


def plot_codebook(som, X, ax=None, title="Codebook on the data's first two principal axes", max_points=5000,
                  random_state=0):
    """The units projected on the plane of the data's two leading principal components, grid edges drawn.

    A well-spread map is a flat net over the data; a twisted or folded one
    shows crossing edges at a glance. Up to ``max_points`` samples are drawn
    in light grey behind it.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.collections import LineCollection

    from ..training.init import principal_axes
    from .regions import region_neighbors

    n_rows, n_cols, topology = _map_of(som)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != som.n_features_in_ or X.shape[0] < 2:
        raise ValueError(f"X must have at least 2 samples of {som.n_features_in_} features; got shape {X.shape}")
    _, vectors, mean = principal_axes(X)
    if vectors.shape[1] < 2:
        raise ValueError("plot_codebook needs data of at least 2 features (a plane to project on)")
    units = (som.weights_.reshape(-1, X.shape[1]) - mean) @ vectors
    rng = np.random.default_rng(random_state)
    shown = X if len(X) <= max_points else X[rng.choice(len(X), max_points, replace=False)]
    points = (shown - mean) @ vectors
    ax = _new_axes(ax, figsize=(6, 6))
    ax.scatter(points[:, 0], points[:, 1], s=4, color="0.8", edgecolors="none")
    table = region_neighbors(n_rows, n_cols, topology, False)  # the sheet's own edges, no wrap-around lines
    edges = [(units[u], units[v]) for u, row in enumerate(table) for v in row if v > u]
    ax.add_collection(LineCollection(edges, colors="tab:blue", linewidths=0.8))
    ax.scatter(units[:, 0], units[:, 1], s=10, color="tab:blue", zorder=3)
    ax.set_xlabel("first principal axis")
    ax.set_ylabel("second principal axis")
    ax.set_aspect("equal", adjustable="datalim")
    if title:
        ax.set_title(title)
    return ax


def plot_classes(model, ax=None, class_names=None, title="Classes", legend=True):
    """Class map of a fitted ``SOMClassifier``: each unit in its predicted class's colour, paler when unsure.

    A unit's colour is its most probable class's (``tab10``, or ``tab20``
    past 10 classes), blended with white by how far its top probability is
    from 1, so borders between classes show. ``class_names``: legend text
    per class, in the order of ``classes_``. Returns the Axes.
    """
    som, proba = model.som_, model.unit_proba_
    n_rows, n_cols, topology = _map_of(som)
    proba = proba.reshape(n_rows * n_cols, -1)
    cmap = pyplot().get_cmap("tab10" if proba.shape[1] <= 10 else "tab20")
    best = np.argmax(proba, axis=1)
    base = np.array([cmap(c % cmap.N)[:3] for c in best])
    colors = 1.0 - proba.max(axis=1, keepdims=True) * (1.0 - base)
    ax = _new_axes(ax, figsize=(6, 6))
    draw_cells(ax, n_rows, n_cols, topology, colors=colors, edgecolor="white")
    if legend:
        from matplotlib.patches import Patch

        names = model.classes_ if class_names is None else class_names
        ax.legend(handles=[Patch(color=cmap(c % cmap.N), label=str(name)) for c, name in enumerate(names)],
                  loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def plot_values(model, output=0, ax=None, cmap="viridis", title="Predicted value", colorbar=True):
    """Regression surface of a fitted ``SOMRegressor``: each unit coloured by its predicted value (of ``output``)."""
    n_rows, n_cols, topology = _map_of(model.som_)
    values = model.unit_values_
    values = values if values.ndim == 2 else values[:, :, output]
    ax = _new_axes(ax)
    draw_cells(ax, n_rows, n_cols, topology, values=values, cmap=cmap,
               colorbar_label="predicted value" if colorbar else None)
    if title:
        ax.set_title(title)
    return ax
