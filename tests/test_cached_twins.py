"""A parallel kernel and its serial twin give the same bits also when loaded from numba's cache.

The twins were compared in one process only (``tests/test_threads.py``),
which compiles them. A process that loads them from the cache runs other
machine code for the parallel entry: numba links the outlined parallel loop
body into the kernel's module and optimises it a second time there, and
only that copy is cached. With ``reassoc`` the second pass regrouped the
manhattan sum's partial vectors, so on an 8x8 map of 256 features
``transform`` on all threads differed from ``n_jobs=1`` in the last bits in
every process that loaded the cache, and agreed in the one that compiled.

So each query runs with ``n_jobs=1`` and ``n_jobs=-1`` in a process that
compiles into an empty cache and in a second one that loads it.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent('''
    import json
    import numpy as np
    from fastsom import SOM
    from fastsom.kernels import bmu

    # 48 features: enough for the vectorised loops of every dtype; 4x4 units, few samples: little to compile.
    X = np.random.default_rng(0).random((70, 48))
    differ = []
    for distance in ("euclidean", "manhattan", "chebyshev", "cosine"):
        som = SOM(4, 4, distance=distance, n_iterations=60, random_state=0).fit(X)
        answers = {}
        for n_jobs in (1, -1):
            som.set_params(n_jobs=n_jobs)
            bmus, distances = som.predict(X, return_distance=True)
            answers[n_jobs] = {"transform": som.transform(X), "predict": bmus, "distance": distances,
                               "quantization_error": som.quantization_error(X),
                               "topographic_error": som.topographic_error(X), "distortion": som.distortion(X),
                               "topographic_product": som.topographic_product(), "umatrix": som.umatrix()}
        differ += [f"{distance} {name}" for name, value in answers[1].items()
                   if np.asarray(value).tobytes() != np.asarray(answers[-1][name]).tobytes()]
    print(json.dumps({"differ": differ, "hits": sum(bmu.rank_distances.parallel.stats.cache_hits.values())}))
''')


def run(cache):
    """Run SCRIPT in a fresh interpreter with numba's cache in ``cache``, on two threads; its JSON report."""
    environment = {k: v for k, v in os.environ.items() if k not in ("NUMBA_THREADING_LAYER", "FASTSOM_NO_CACHE")}
    environment.update(NUMBA_CACHE_DIR=str(cache), NUMBA_NUM_THREADS="2")
    result = subprocess.run([sys.executable, "-c", SCRIPT], env=environment, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "known defect, not fixed yet: the cached parallel entry runs its loop body as re-optimised in the "
    "kernel's module, where reassoc regroups the vectorised manhattan sum. A fix tried (query sums in "
    "explicit vector lanes, without reassoc) changes the queries' last bits, hence 6 of "
    "test_unchanged_maps' recorded digests: it needs that test's promise revisited first."))
def test_twins_agree_when_compiled_and_when_loaded_from_the_cache(tmp_path):
    compiled = run(tmp_path)
    loaded = run(tmp_path)
    # Else the second process compiled too, and this test would prove nothing about the cache.
    assert not compiled["hits"] and loaded["hits"], (compiled["hits"], loaded["hits"])
    assert compiled["differ"] == [], "n_jobs=1 and n_jobs=-1 differ, compiling process"
    assert loaded["differ"] == [], "n_jobs=1 and n_jobs=-1 differ, process loading the cache"
