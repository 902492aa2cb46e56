"""Benchmarks of fastsom against its baselines; run explicitly, never by the test suite.

``pytest bench/ --benchmark-json=FILE`` times the contenders (see
:mod:`bench.test_online`); ``python -m bench.report`` runs that and prints
the tables. The baselines that are not part of fastsom live in
:mod:`bench.baselines`.
"""
