"""NumPy's eight running sums as one vector register: exact sums at SIMD speed.

NumPy sums a contiguous run of n >= 8 doubles (up to 128; longer runs are
split, see ``fastsom.compat.plan.pairwise_program``) with eight running
sums, ``r[j] += a[8 c + j]``, added as ``((r0 + r1) + (r2 + r3)) + ((r4 + r5)
+ (r6 + r7))``, then the last n % 8 values one by one. The eight sums are
the eight lanes of one vector: vertical vector additions give the same bits
and need no reassociation.

numba cannot be asked for that code. Its loop vectorizer sees eight scalar
recurrences, and vectorising them across iterations would reassociate;
LLVM's SLP vectorizer, which packs such parallel scalars into vectors, is
off in numba (``NUMBA_SLP_VECTORIZE``, one setting for the whole process).
Written as eight scalar sums the euclidean distance of a 20x20 map of 784
features took 190-310 us per sweep against a 50 us memory floor. So the
loop is written here in LLVM IR, as a numba intrinsic, on ``<8 x double>``
values: plain ``fsub``, ``fmul``, ``fadd`` with no fast-math flags, so no
reassociation and no FMA contraction.

Each function pulls a row of weights towards a sample first when asked
(``w + f * (x - w)``, the online update, stored back), then sums the terms
of its chunks: MiniSom trains with the update and the next sample's
distance in one pass over the row. While it updates, it can also take the
smallest ``|w| * scale`` of the new weights, what ``fastsom.kernels.minisom``
needs to know which later updates of the row cannot change it.
"""

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.core.errors import TypingError
from numba.extending import intrinsic

#: NumPy's running sums per leaf, the lanes of one vector.
WIDTH = 8

_VECTOR = ir.VectorType(ir.DoubleType(), WIDTH)


def _check_arrays(name, *arrays):
    for array in arrays:
        if not (isinstance(array, types.Array) and array.dtype == types.float64 and array.layout == "C"):
            raise TypingError(f"{name} takes C-contiguous float64 arrays; got {array}")


def _chunks(context, builder, array_type, array_value, indices):
    """Pointer to the chunk of 8 values at ``array[indices]``, as ``<8 x double>*``."""
    array = context.make_array(array_type)(context, builder, array_value)
    pointer = cgutils.get_item_pointer2(context, builder, array.data, cgutils.unpack_tuple(builder, array.shape),
                                        cgutils.unpack_tuple(builder, array.strides), array_type.layout, indices)
    return builder.bitcast(pointer, ir.PointerType(_VECTOR))


def _tree(builder, vector):
    """NumPy's combination of its eight running sums, ``((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))``.

    As three vector additions, each lane adding its partner (1, 2 then 4
    lanes away): the same additions of the same operands, in fewer
    instructions than seven scalar ones.
    """
    i32 = ir.IntType(32)
    for partner in ((1, 0, 3, 2, 5, 4, 7, 6), (2, 3, 0, 1, 6, 7, 4, 5), (4, 5, 6, 7, 0, 1, 2, 3)):
        swapped = builder.shuffle_vector(vector, vector, ir.Constant(ir.VectorType(i32, WIDTH), partner))
        vector = builder.fadd(vector, swapped)
    return builder.extract_element(vector, ir.Constant(i32, 0))


def _squared(builder, w, y):
    d = builder.fsub(y, w)
    return (builder.fmul(d, d),)


def _fabs(builder, vector):
    # llvmlite's declare_intrinsic does not name vector overloads; this is LLVM's name for <8 x double>.
    fabs = cgutils.get_or_insert_function(builder.module, ir.FunctionType(_VECTOR, [_VECTOR]), "llvm.fabs.v8f64")
    return builder.call(fabs, [vector])


def _smaller(builder, a, b):
    """Lane-wise a if a < b else b: a NaN in a never wins (the minimum's order does not matter)."""
    return builder.select(builder.fcmp_ordered("<", a, b), a, b)


def _absolute(builder, w, y):
    return (_fabs(builder, builder.fsub(y, w)),)


def _products(builder, w, y):
    return builder.fmul(w, y), builder.fmul(w, w)


#: What the sums do to the row first (``mode``): nothing, pull it towards x, or pull it and measure
#: its bound.
READ = 0
PULL = 1
PULL_AND_MEASURE = 2

#: Leaves summed side by side in one call: four independent chains of vector additions hide the
#: latency of each (one leaf at a time, a 20x20 map of 784 features took 79 us per sweep against
#: a 47 us memory floor).
GROUP = 4


def _leaf_entry(context, builder, leaves_type, leaves, row, column):
    """leaves[row, column] as an intp."""
    intp = context.get_value_type(types.intp)
    table = context.make_array(leaves_type)(context, builder, leaves)
    pointer = cgutils.get_item_pointer2(context, builder, table.data, cgutils.unpack_tuple(builder, table.shape),
                                        cgutils.unpack_tuple(builder, table.strides), leaves_type.layout,
                                        [row, ir.Constant(intp, column)])
    return context.cast(builder, builder.load(pointer), leaves_type.dtype, types.intp)


def _splat(builder, value):
    vector = ir.Constant(_VECTOR, ir.Undefined)
    for j in range(WIDTH):
        vector = builder.insert_element(vector, value, ir.Constant(ir.IntType(32), j))
    return vector


def _sum_chains(context, builder, terms, chains, mode):
    """Sum GROUP chains side by side; returns their sums (two each) and the bound, as LLVM doubles.

    chains: per chain (weights, x, y, scale chunk pointers, whole chunks,
    factor vector, keep: an i1 value, whether a pulled row is stored, or
    None for always). mode: an intp value, READ, PULL or PULL_AND_MEASURE.
    Returns (the sums, each chain's bound: the smallest |w| * scale of its
    pulled values with PULL_AND_MEASURE, else inf).
    """
    intp = context.get_value_type(types.intp)
    common = chains[0][4]
    for chain in chains[1:]:
        common = builder.select(builder.icmp_signed("<", chain[4], common), chain[4], common)
    zero = ir.Constant(_VECTOR, [0.0] * WIDTH)
    n_sums = 2 if terms is _products else 1
    sums = [[cgutils.alloca_once_value(builder, zero) for _ in range(n_sums)] for _ in chains]
    bounds = [cgutils.alloca_once_value(builder, ir.Constant(_VECTOR, [float("inf")] * WIDTH)) for _ in chains]

    def add_chunk(i, c, pull, measure):
        w_chunks, x_chunks, y_chunks, scale_chunks, _, factor, keep = chains[i]
        w_pointer = builder.gep(w_chunks, [c])
        w = builder.load(w_pointer, align=8)
        if pull:  # w + f * (x - w), rounded after each operation
            x_chunk = builder.load(builder.gep(x_chunks, [c]), align=8)
            w = builder.fadd(w, builder.fmul(factor, builder.fsub(x_chunk, w)))
            if keep is None:
                builder.store(w, w_pointer, align=8)
            else:
                with builder.if_then(keep):
                    builder.store(w, w_pointer, align=8)
        if measure:  # min |w| * scale
            scaled = builder.fmul(_fabs(builder, w), builder.load(builder.gep(scale_chunks, [c]), align=8))
            builder.store(_smaller(builder, scaled, builder.load(bounds[i])), bounds[i])
        for total, term in zip(sums[i], terms(builder, w, builder.load(builder.gep(y_chunks, [c]), align=8)),
                               strict=True):
            builder.store(builder.fadd(builder.load(total), term), total)

    def run(pull, measure):
        # Running sums start at +0.0, not at the first chunk as NumPy's do: the same values
        # (terms here are never -0.0 but a cosine's w * y, whose sign cannot change 1 - w.y / ...).
        one = ir.Constant(intp, 1)
        with cgutils.for_range_slice(builder, ir.Constant(intp, 0), common, one, intp) as (c, _):
            for i in range(len(chains)):
                add_chunk(i, c, pull, measure)
        for i in range(len(chains)):
            with cgutils.for_range_slice(builder, common, chains[i][4], one, intp) as (c, _):
                add_chunk(i, c, pull, measure)

    with builder.if_else(builder.icmp_signed("==", mode, ir.Constant(intp, PULL))) as (pulled, other):
        with pulled:
            run(True, False)
        with other:
            is_measured = builder.icmp_signed("==", mode, ir.Constant(intp, PULL_AND_MEASURE))
            with builder.if_else(is_measured) as (measured, plain):
                with measured:
                    run(True, True)
                with plain:
                    run(False, False)
    values = []
    for totals in sums:
        reduced = [_tree(builder, builder.load(total)) for total in totals]
        values += reduced + [ir.Constant(ir.DoubleType(), 0.0)] * (2 - len(reduced))
    smallest = []
    for bound in bounds:
        vector = builder.load(bound)
        for partner in ((4, 5, 6, 7, 0, 1, 2, 3), (2, 3, 0, 1, 6, 7, 4, 5), (1, 0, 3, 2, 5, 4, 7, 6)):
            mask = ir.Constant(ir.VectorType(ir.IntType(32), WIDTH), partner)
            vector = _smaller(builder, builder.shuffle_vector(vector, vector, mask), vector)
        smallest.append(builder.extract_element(vector, ir.Constant(ir.IntType(32), 0)))
    return values, smallest


def _eight_lanes(terms, doc):
    """An intrinsic summing ``terms(w, y)`` over GROUP leaves of a row, after an optional update of the row."""

    @intrinsic
    def sums(typingctx, weights, u, leaves, g, f, x, y, scale, mode):
        _check_arrays("eight-lane sums", weights, x, y, scale)
        signature = types.UniTuple(types.float64, 2 * GROUP + 1)(weights, u, leaves, g, f, x, y, scale, mode)

        def codegen(context, builder, signature, args):
            w_type, u_type, leaves_type, g_type, f_type, x_type, y_type, scale_type, mode_type = signature.args
            weights, u, leaves, g, f, x, y, scale, mode = args
            intp = context.get_value_type(types.intp)
            u = context.cast(builder, u, u_type, types.intp)
            g = context.cast(builder, g, g_type, types.intp)
            f = context.cast(builder, f, f_type, types.float64)
            factor = _splat(builder, f)
            chains = []
            for i in range(GROUP):
                row = builder.add(builder.mul(g, ir.Constant(intp, GROUP)), ir.Constant(intp, i))
                start = _leaf_entry(context, builder, leaves_type, leaves, row, 0)
                length = _leaf_entry(context, builder, leaves_type, leaves, row, 1)
                chains.append((_chunks(context, builder, w_type, weights, [u, start]),
                               _chunks(context, builder, x_type, x, [start]),
                               _chunks(context, builder, y_type, y, [start]),
                               _chunks(context, builder, scale_type, scale, [start]),
                               builder.sdiv(length, ir.Constant(intp, WIDTH)), factor, None))
            values, bounds = _sum_chains(context, builder, terms, chains,
                                         context.cast(builder, mode, mode_type, types.intp))
            bound = bounds[0]  # the chains are one row's leaves: its bound is the smallest
            for other in bounds[1:]:
                bound = builder.select(builder.fcmp_ordered("<", other, bound), other, bound)
            return context.make_tuple(builder, signature.return_type, values + [bound])

        return signature, codegen

    sums.__doc__ = doc
    return sums


def _eight_lanes_of_units(terms, doc):
    """An intrinsic summing ``terms(w, y)`` over every leaf of GROUP consecutive rows, some pulled by their factor."""

    @intrinsic
    def sums(typingctx, weights, u, leaves, factors, modes, x, y, scale, mode, out, bounds):
        _check_arrays("eight-lane sums", weights, factors, x, y, scale, out, bounds)
        signature = types.none(weights, u, leaves, factors, modes, x, y, scale, mode, out, bounds)

        def codegen(context, builder, signature, args):
            (w_type, u_type, leaves_type, factors_type, modes_type, x_type, y_type, scale_type, mode_type,
             out_type, bounds_type) = signature.args
            weights, u, leaves, factors, modes, x, y, scale, mode, out, bounds = args
            intp = context.get_value_type(types.intp)
            u = context.cast(builder, u, u_type, types.intp)
            mode = context.cast(builder, mode, mode_type, types.intp)
            factor_array = context.make_array(factors_type)(context, builder, factors)
            mode_array = context.make_array(modes_type)(context, builder, modes)
            out_array = context.make_array(out_type)(context, builder, out)
            bound_array = context.make_array(bounds_type)(context, builder, bounds)
            rows = []  # per row: (index, factor vector, keep), read once for all leaves
            for i in range(GROUP):
                row = builder.add(u, ir.Constant(intp, i))
                factor = builder.load(builder.gep(factor_array.data, [row]))
                row_mode = context.cast(builder, builder.load(builder.gep(mode_array.data, [row])),
                                        modes_type.dtype, types.intp)
                keep = builder.icmp_signed("!=", row_mode, ir.Constant(intp, READ))
                rows.append((row, _splat(builder, factor), keep))
                builder.store(ir.Constant(ir.DoubleType(), float("inf")),
                              builder.gep(bound_array.data, [ir.Constant(intp, i)]))
            leaf_table = context.make_array(leaves_type)(context, builder, leaves)
            n_leaves = cgutils.unpack_tuple(builder, leaf_table.shape)[0]
            with cgutils.for_range(builder, n_leaves, intp=intp) as loop:
                q = loop.index
                start = _leaf_entry(context, builder, leaves_type, leaves, q, 0)
                n_chunks = builder.sdiv(_leaf_entry(context, builder, leaves_type, leaves, q, 1),
                                        ir.Constant(intp, WIDTH))
                with builder.if_then(builder.icmp_signed(">", n_chunks, ir.Constant(intp, 0))):
                    x_chunks = _chunks(context, builder, x_type, x, [start])
                    y_chunks = _chunks(context, builder, y_type, y, [start])
                    scale_chunks = _chunks(context, builder, scale_type, scale, [start])
                    chains = [(_chunks(context, builder, w_type, weights, [row, start]), x_chunks, y_chunks,
                               scale_chunks, n_chunks, factor, keep) for row, factor, keep in rows]
                    values, row_bounds = _sum_chains(context, builder, terms, chains, mode)
                    for i in range(GROUP):
                        for column in range(2):
                            pointer = cgutils.get_item_pointer2(
                                context, builder, out_array.data, cgutils.unpack_tuple(builder, out_array.shape),
                                cgutils.unpack_tuple(builder, out_array.strides), out_type.layout,
                                [ir.Constant(intp, i), q, ir.Constant(intp, column)])
                            builder.store(values[2 * i + column], pointer)
                        slot = builder.gep(bound_array.data, [ir.Constant(intp, i)])
                        old = builder.load(slot)
                        builder.store(builder.select(builder.fcmp_ordered("<", row_bounds[i], old), row_bounds[i], old),
                                      slot)
            return context.get_dummy_value()

        return signature, codegen

    sums.__doc__ = doc
    return sums


_COMMON = """

    (weights, u, leaves, g, f, x, y, scale, mode)
        -> (first sum, second sum) of each of GROUP leaves, then bound

    weights  INOUT (n_units, n_features) float64, C-contiguous: row u
    leaves   IN    (n_leaves, 2) int64, (start, length) of each leaf; rows
                   g * GROUP .. g * GROUP + GROUP - 1 are summed (length 0
                   pads a group). Only the whole chunks, length - length % 8
                   values from start: the caller adds the rest.
    f, x     IN    with mode PULL or PULL_AND_MEASURE: those values of the
                   row first become w + f * (x - w)
    y        IN    (n_features,) float64, C-contiguous
    scale    IN    (n_features,) float64, C-contiguous; with
                   PULL_AND_MEASURE, bound is the smallest |w| * scale over the
                   values updated (a NaN product is ignored), else inf
    mode     IN    READ, PULL or PULL_AND_MEASURE
    """

squared = _eight_lanes(_squared, "NumPy's leaf sums of (y - w)^2 (second sums 0)." + _COMMON)
absolute = _eight_lanes(_absolute, "NumPy's leaf sums of |y - w| (second sums 0)." + _COMMON)
products = _eight_lanes(_products, "NumPy's leaf sums of w * y and of w * w." + _COMMON)


_UNITS = """

    (weights, u, leaves, factors, modes, x, y, scale, mode, out, bounds)

    The same sums for every leaf of GROUP consecutive rows, side by side:
    for rows of one leaf (at most 128 features) the chains of one row are
    one chain, whose additions wait for each other; rows side by side do
    not. One call for all the leaves (a call per leaf cost its set-up every
    eighth of a 784-feature row). With mode PULL (or PULL_AND_MEASURE,
    also measuring each row's bound) each row r is first pulled towards x
    by factors[r], and stored unless modes[r] is READ: such a row's update
    provably changes no weight, so it is pulled for its sums, to the same
    values, and left as it is. With mode READ no row is pulled.

    out    OUT (GROUP, >= n_leaves, 2) float64: out[i, q] the two sums of
               leaf q of row u + i (leaves of fewer than 8 values left alone)
    bounds OUT (GROUP,) float64: each row's bound if measured, else inf
    """

squared_of_units = _eight_lanes_of_units(_squared, "NumPy's leaf sums of (y - w)^2, GROUP rows." + _UNITS)
absolute_of_units = _eight_lanes_of_units(_absolute, "NumPy's leaf sums of |y - w|, GROUP rows." + _UNITS)
products_of_units = _eight_lanes_of_units(_products, "NumPy's leaf sums of w * y and w * w, GROUP rows." + _UNITS)
