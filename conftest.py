"""pytest set-up shared by tests/, the doctests and bench/.

Numba's cache policy (where kernels are cached, fresh machine code after an
edit to any kernel source, the ``FASTSOM_NO_CACHE`` switch) lives in
``fastsom/_jit.py`` and applies to the suite as to every user: nothing about
it is set here.
"""
