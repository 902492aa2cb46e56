"""A literal port of the tutorial "Self-Organising Maps: In Depth".

Source: ``shared/seed/000_1dad0d167f75da1b.txt`` (the colour-map walkthrough).
Names, loop order and formulas are the tutorial's; each function cites the
step it comes from. The tutorial keeps one sample per *column*: ``data`` has
shape ``(m, n)`` = (n_features, n_samples) and ``net`` has shape
``(n_rows, n_cols, m)``. Callers holding ``X`` (n_samples, n_features) pass
``X.T``.

Randomness is not drawn here. The tutorial calls ``np.random.random`` for the
initial ``net`` and ``np.random.randint(0, n)`` once per iteration; this port
takes both as explicit arrays (``net`` and ``sample_indices``) so that it can
be run on exactly the same training plan as the fast code.

Repairs of the printed code (what the text clearly means, not what the
page's typesetting left behind):

1. ``find_bmu``: the docstring lost its quotes and the line
   ``min_dist = np.iinfo(`` is cut off; ``np.iinfo(np.int).max`` was meant,
   and ``np.int`` no longer exists in NumPy. We start from ``np.inf``, which
   is larger than every finite squared distance, exactly as intended.
2. The normalisation block lost its ``else:``: as printed, the by-column
   branch is immediately overwritten by the whole-dataset branch, and the
   whole-dataset branch divides by ``data.max()`` (whatever ``data`` happened
   to be) instead of ``raw_data.max()``. We restore the ``if/else``.
3. "Normalise along each column" means each *variable*: the text's example
   is salary vs height. In the tutorial's layout the variables are the rows
   of ``raw_data`` (shape ``(m, n)``), so the per-variable maxima are
   ``raw_data.max(axis=1)``; the printed ``raw_data.max(axis=0)`` would
   divide each *sample* by its own maximum.
4. ``net[x, y, :] = new_w.reshape(1, 3)`` hard-codes the colour data's 3
   features; we reshape to ``(1, m)``.
5. ``calculate_influence`` lost its body's indentation; restored.
"""

import numpy as np


def normalise(raw_data, normalise_data=True, normalise_by_column=False):
    """Section "SOM Parameters", normalisation options (repairs 2 and 3).

    ``raw_data`` has shape (m, n): one variable per row, one sample per column.
    """
    # we want to keep a copy of the raw data for later
    data = raw_data
    # check if data needs to be normalised
    if normalise_data:
        if normalise_by_column:
            # normalise along each column (each variable; see repair 3)
            col_maxes = raw_data.max(axis=1)
            data = raw_data / col_maxes[:, np.newaxis]
        else:
            # normalise entire dataset
            data = raw_data / raw_data.max()
    return data


def find_bmu(t, net, m):
    """Step 2, "Find the Best Matching Unit".

    Find the best matching unit for a given vector, t, in the SOM.
    Returns: a (bmu, bmu_idx) tuple where bmu is the high-dimensional BMU
    and bmu_idx is the index of this vector in the SOM.
    """
    bmu_idx = np.array([0, 0])
    # set the initial minimum distance to a huge number (repair 1)
    min_dist = np.inf
    # calculate the high-dimensional distance between each neuron and the input
    for x in range(net.shape[0]):
        for y in range(net.shape[1]):
            w = net[x, y, :].reshape(m, 1)
            # don't bother with actual Euclidean distance, to avoid expensive sqrt operation
            sq_dist = np.sum((w - t) ** 2)
            if sq_dist < min_dist:
                min_dist = sq_dist
                bmu_idx = np.array([x, y])
    # get vector corresponding to bmu_idx
    bmu = net[bmu_idx[0], bmu_idx[1], :].reshape(m, 1)
    # return the (bmu, bmu_idx) tuple
    return (bmu, bmu_idx)


def decay_radius(initial_radius, i, time_constant):
    """Step 3, "Update the SOM Learning Parameters": sigma_t = sigma_0 exp(-t / lambda)."""
    return initial_radius * np.exp(-i / time_constant)


def decay_learning_rate(initial_learning_rate, i, n_iterations):
    """Step 3: the learning rate decays with time constant ``n_iterations``."""
    return initial_learning_rate * np.exp(-i / n_iterations)


def calculate_influence(distance, radius):
    """Step 4: i_t = exp(-d^2 / (2 sigma_t^2)); ``distance`` is already squared."""
    return np.exp(-distance / (2 * (radius**2)))


def update_net(net, t, bmu_idx, r, l, m):
    """Step 4, "Move the BMU and its Neighbours in 3D Space" (repair 4)."""
    # now we know the BMU, update its weight vector to move closer to input
    # and move its neighbours in 2-D space closer
    # by a factor proportional to their 2-D distance from the BMU
    for x in range(net.shape[0]):
        for y in range(net.shape[1]):
            w = net[x, y, :].reshape(m, 1)
            # get the 2-D distance (again, not the actual Euclidean distance)
            w_dist = np.sum((np.array([x, y]) - bmu_idx) ** 2)
            # if the distance is within the current neighbourhood radius
            if w_dist <= r**2:
                # calculate the degree of influence (based on the 2-D distance)
                influence = calculate_influence(w_dist, r)
                # now update the neuron's weight using the formula:
                # new w = old w + (learning rate * influence * delta)
                # where delta = input vector (t) - old w
                new_w = w + (l * influence * (t - w))
                # commit the new weight
                net[x, y, :] = new_w.reshape(1, m)


def train(data, net, sample_indices, init_learning_rate=0.01):
    """Steps 1-4 repeated ``n_iterations = len(sample_indices)`` times.

    Parameters
    ----------
    data : ndarray, shape (m, n)
        The (normalised) data, one sample per column, as in the tutorial.
    net : ndarray, shape (n_rows, n_cols, m)
        Initial weights; not modified (the tutorial's ``net`` is trained in
        place, here a copy is).
    sample_indices : sequence of int, length n_iterations
        The column picked at each iteration (the tutorial's
        ``np.random.randint(0, n)``).
    init_learning_rate : float
        The tutorial's 0.01.

    Returns
    -------
    net : ndarray, shape (n_rows, n_cols, m)
        The trained weights.
    bmu_indices : ndarray, shape (n_iterations, 2), int
        The (row, col) of each iteration's BMU.
    """
    net = np.array(net, dtype=float)
    network_dimensions = np.array(net.shape[:2])
    n_iterations = len(sample_indices)
    # establish size variables based on data
    m = data.shape[0]
    # initial neighbourhood radius
    init_radius = max(network_dimensions[0], network_dimensions[1]) / 2
    # radius decay parameter; a map of width 2 has log(init_radius) == 0, the
    # time constant is infinite and the radius stays 1, exactly as the
    # tutorial's formula says (NumPy warns about the division by zero).
    with np.errstate(divide="ignore"):
        time_constant = n_iterations / np.log(init_radius)

    bmu_indices = np.empty((n_iterations, 2), dtype=np.int64)
    for i in range(n_iterations):
        # 1. select a training example at random (here: the plan's choice)
        t = data[:, sample_indices[i]].reshape(np.array([m, 1]))
        # 2. find its Best Matching Unit
        bmu, bmu_idx = find_bmu(t, net, m)
        bmu_indices[i] = bmu_idx
        # 3. decay the SOM parameters
        r = decay_radius(init_radius, i, time_constant)
        l = decay_learning_rate(init_learning_rate, i, n_iterations)  # noqa: E741 (the tutorial's name)
        # 4. move the BMU and its neighbours
        update_net(net, t, bmu_idx, r, l, m)
    return net, bmu_indices
