"""Checks of :mod:`bench.compat`: its plain scripts run, and MiniSom and the compat class train the same map.

Run explicitly (``bench/`` is not in the test suite's ``testpaths``)::

    pytest bench/test_compat_bench.py

No timing is asserted. Skipped, with the reason, without minisom or
scikit-learn (the digits workload).
"""

import pytest

from bench import compat

pytest.importorskip("minisom", reason="minisom is not installed: pip install -e .[bench]")
pytest.importorskip("sklearn", reason="scikit-learn (the digits workload) is not installed")


def test_every_smoke_run_trains_the_same_map_in_every_process():
    rows = compat.measure("smoke")
    assert {(row["workload"], row["setting"]) for row in rows} == {
        (name, setting) for name in compat.WORKLOADS["smoke"] for setting in compat.SETTINGS}
    for row in rows:
        assert not row["errors"], row["errors"]
        assert set(row["times"]) == {"minisom", "minisom-tuned", "compat"}
        assert row["n_maps"] == 3 and row["same_map"], row
    table = compat.table(rows)
    assert table.count("\n") == len(rows) + 1 and "yes (3 runs)" in table
