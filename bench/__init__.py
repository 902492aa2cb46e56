"""Benchmarks of fastsom against its baselines and peers; run explicitly, never by the test suite.

``python -m bench.report`` runs them and prints Markdown tables
(``--quick``: under 10 minutes on 2 cores; ``--smoke``: seconds;
``--only``: a subset); ``python -m bench.curves -o docs/`` draws the
scaling curves. Where each concept lives:

* :mod:`bench.workloads` - the data builders and every workload's sizes;
* :mod:`bench.contenders` - fastsom's and the floors' entries, and the registry;
* :mod:`bench.peers` - MiniSom, XPySom, TorchSOM, somoclu: how each is
  driven, how to install it, and every setting that cannot match fastsom's;
* :mod:`fastsom.kernels.floors` - the machine's floor (GEMM + argmin, distance sweep);
* :mod:`bench.scores` - QE, TE and purity of any codebook, fastsom's definitions;
* :mod:`fastsom.profiling.memory` - peak resident memory of a process (in the
  package, for ``fastsom profile``);
* :mod:`bench.worker` - one contender on one workload, in a fresh process;
* :mod:`bench.suite` - runs the workers, prints the tables and the targets;
* :mod:`bench.report` - the command line, and the online kernels' tables;
* :mod:`bench.curves` - the scaling curves;
* :mod:`bench.test_online`, :mod:`bench.test_batch` - kernel-level
  pytest-benchmark suites (online kernels; one batch epoch);
* :mod:`bench.baselines` - the two-sweep kernel and MiniSom on fastsom's plan;
* :mod:`bench.quality` - map quality of default settings on iris and digits;
* :mod:`bench.test_report_smoke` - like-with-like checks of the peers, and
  an end-to-end run of the suite (``pytest bench/test_report_smoke.py``).
"""
