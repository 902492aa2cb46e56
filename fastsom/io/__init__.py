"""Files: model files, checkpoints, SOM_PAK codebooks, data tables, atomic writes.

These modules read untrusted files into arrays and settings; building a
fitted estimator from them is :mod:`fastsom.som`'s job (``fastsom.load``).
"""
