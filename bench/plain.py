"""NumPy-based peers timed as their users run them."""

#: Variables that tune glibc's malloc for NumPy peers (see shared DESIGN,
#: "Benchmark honesty"); bench.report sets them for a second MiniSom run.
MALLOC_TUNING = {
    "MALLOC_MMAP_THRESHOLD_": str(256 * 2**20),
    "MALLOC_TRIM_THRESHOLD_": str(512 * 2**20),
    "MALLOC_TOP_PAD_": str(64 * 2**20),
}
