"""Training and queries on data held in chunks by Dask: bigger than one process, or one machine.

``SOM(algorithm="batch").fit(X)`` with ``X`` a ``dask.array.Array`` (or a
dask DataFrame of numeric columns) trains where the chunks live. The batch
map needs only sufficient statistics per epoch: for each chunk of rows, the
per-unit float64 sums of its samples and their counts, and the partial sums
of the errors. They add up, so each epoch is

1. one task per row chunk: the BMU pass of :class:`fastsom.training.batch.ChunkPass`
   on serial kernels (``nogil``; the GEMM on BLAS), returning
   n_units x (n_features + 1) + 2 float64s;
2. the partials added in a fixed-order tree (groups of :data:`SPLIT_EVERY`,
   in chunk order), so the sums -- and the map -- do not depend on the
   scheduler, the number of workers or the order tasks finish;
3. the smoothing and the update on the client, by the same code as the
   in-memory batch map (:func:`fastsom.training.batch.run_epochs`).

Chunks never move: each task receives the epoch's codebook (one key in the
graph) and returns its partial. Dask's scheduler is the one active -- the
current ``distributed.Client`` if there is one, else dask's default -- or
the one passed as ``fit(X, scheduler=...)``.

This package imports dask; ``import fastsom`` does not import it:
:func:`fastsom._validation.is_chunked` recognises a dask collection by its
type's module, and the estimator imports this package only when given one.
"""

#: Partials added per node of the reduction tree.
SPLIT_EVERY = 8

