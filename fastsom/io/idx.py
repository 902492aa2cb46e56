"""IDX files (LeCun's format of the MNIST distribution), read without trusting their header."""

import gzip

import numpy as np

#: IDX element types (the third byte of the magic number) -> big-endian NumPy dtype.
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path):
    """Read one IDX file (LeCun's MNIST format), gzipped or not, as a NumPy array.

    Layout: two zero bytes, a type byte, the number of dimensions, each
    dimension as a big-endian int32, then the values in C order.
    """
    path = str(path)
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as stream:
            data = stream.read()
    except (OSError, EOFError) as error:
        raise ValueError(f"{path}: cannot read it as an IDX file ({error})") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_TYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number)")
    n_dims = data[3]
    start = 4 + 4 * n_dims
    shape = tuple(int(v) for v in np.frombuffer(data[4:start], dtype=">i4")) if len(data) >= start else None
    dtype = np.dtype(_IDX_TYPES[data[2]])
    if shape is None or len(data) - start != int(np.prod(shape)) * dtype.itemsize:
        raise ValueError(f"{path} is truncated or damaged: its header promises shape {shape}, "
                         f"the file holds {max(len(data) - start, 0)} bytes of values")
    return np.frombuffer(data, dtype=dtype, offset=start).reshape(shape).astype(dtype.newbyteorder("="))
