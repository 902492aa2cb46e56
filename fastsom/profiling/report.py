"""The profile's report: figures as attributes, ``to_dict()`` for machines, ``str()`` for people."""

from dataclasses import dataclass, field

from ..training.phases import PHASES
from .measure import ITERATIONS_PER_UNIT

#: How the report names each phase (see fastsom.training.phases).
PHASE_LABELS = {
    "validate": "input checks and conversion",
    "init": "plan and initial map",
    "bmu": "BMU search",
    "update": "sums, counts and new map",
    "smooth": "neighbourhood smoothing",
    "sweep": "fused BMU search + update",
    "python": "Python between blocks",
    "unaccounted": "outside the timed blocks",
}

def format_seconds(value):
    """A duration for people: 1.23 s, 45.6 ms, 789 us."""
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:,.0f} s"
    if value >= 10:
        return f"{value:.1f} s"
    if value >= 1:
        return f"{value:.2f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.1f} ms"
    return f"{value * 1e6:.0f} us"


def _mib(n_bytes):
    return "unknown on this system" if n_bytes is None else f"{n_bytes / 2**20:,.0f} MiB"


def _threads(threads):
    numba = threads["numba"]
    blas = threads["blas"]
    text = f"numba {numba['threads']} ({numba['layer'] or 'layer not started'}), BLAS {blas['threads'] or '?'}"
    if "online_kernel" in threads:
        kernel = threads["online_kernel"]
        text += f"; {kernel['name']} on {kernel['threads']}"
    return text


def _first_call(m):
    if m.kernels_new == 0:
        return f"{format_seconds(m.first_call_seconds)}: kernels already loaded"
    kernels = f"{m.kernels_new} kernel{'s' if m.kernels_new > 1 else ''}"
    if m.kernels_from_cache == m.kernels_new:
        where = f"{kernels} from the cache"
    elif m.kernels_from_cache == 0:
        where = f"{kernels} compiled"
    else:
        where = f"{m.kernels_new - m.kernels_from_cache} compiled, {m.kernels_from_cache} from the cache"
    return f"{format_seconds(m.first_call_seconds)}: {where}"


@dataclass
class ProfileReport:
    """What :func:`fastsom.profile` measured.

    Attributes
    ----------
    data : dict
        ``n_samples``, ``n_features``, ``dtype`` of the data as given, and
        ``source`` (what they are, in words).
    machine : dict
        CPUs, load average, versions, numba's threading, BLAS, the kernel
        cache (:func:`fastsom.profiling.machine.describe`).
    measurements : list of Measurement
        One per setting (one, or one per value of ``compare``); see
        :class:`fastsom.profiling.measure.Measurement` for their figures.
    reference : ReferenceCheck or None
        With ``reference=True``: the pure-Python reference against fastsom
        on a slice of the data.
    budget_seconds, estimated_seconds, elapsed_seconds : float
        The time allowed, the time planned once calibrated, the time taken.
    compared : str or None
        The option ``compare`` varied.
    """

    data: dict
    machine: dict
    measurements: list
    reference: object = None
    budget_seconds: float = 0.0
    estimated_seconds: float = 0.0
    elapsed_seconds: float = 0.0
    compared: str | None = None
    notes: list = field(default_factory=list)

    def __getattr__(self, name):
        # The figures of a single setting read directly: report.floor_ratio.
        measurements = self.__dict__.get("measurements")
        if measurements and len(measurements) == 1 and not name.startswith("_"):
            return getattr(measurements[0], name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}"
                             + (" (with compare, read it from report.measurements[i])" if measurements else ""))

    def to_dict(self):
        """Every figure as plain Python values (JSON-ready)."""
        return {"data": self.data, "machine": self.machine, "compared": self.compared,
                "budget_seconds": self.budget_seconds, "estimated_seconds": self.estimated_seconds,
                "elapsed_seconds": self.elapsed_seconds, "notes": list(self.notes),
                "measurements": [m.to_dict() for m in self.measurements],
                "reference": None if self.reference is None else self.reference.to_dict()}

    @staticmethod
    def _table(rows):
        """Rows of (label, cells) as aligned lines: one column per setting."""
        width = max(len(label) for label, _ in rows) + 2
        columns = [max(len(cells[i]) for _, cells in rows) + 3 for i in range(len(rows[0][1]))]
        return [(f"{label:<{width}}" + "".join(f"{cell:<{w}}" for cell, w in zip(cells, columns, strict=True)))
                .rstrip() for label, cells in rows]

    def lines(self):
        """The report as lines of text."""
        ms = self.measurements
        first = ms[0]
        data, machine = self.data, self.machine
        numba, blas = machine["numba_threading"], machine["blas"]
        load = machine["load_average"]
        params = first.params
        run = (f"{first.full_steps:,} iterations" if first.online else
               f"{first.full_steps} epoch{'s' if first.full_steps > 1 else ''}")
        out = [
            f"data: {data['n_samples']:,} x {data['n_features']} {data['dtype']} ({data['source']})",
            f"map: {params['n_rows']}x{params['n_cols']} {params['topology']}"
            f"{' toroidal' if params['toroidal'] else ''}, {params['algorithm']}, {run}, "
            f"{params['neighborhood']}, {params['distance']}, init {params['init']}",
            f"machine: {machine['cpus']} CPUs, load average {'?' if load is None else f'{load:.2f}'}; "
            f"numba {machine['numba']} ({numba['threads']} threads, {numba['layer'] or 'layer not started'}); "
            f"BLAS {blas['library']} ({blas['threads'] or '?'} threads)",
            f"measured: {len(first.fit_seconds)} fits of {self._length(first)} per setting, each beside the floor, "
            f"alternated; {self.elapsed_seconds:.1f} s in all, first calls "
            f"{sum(m.first_call_seconds for m in ms):.1f} s of it (budget {self.budget_seconds:g} s)",
            "",
        ]
        rows = [("", [m.label for m in ms])] if len(ms) > 1 or first.label else []
        unit = first.unit
        same_unit = all(m.unit == unit for m in ms)
        rows.append(("first call (compile or load)", [_first_call(m) for m in ms]))
        rows.append((f"per {unit}, median [min-max]" if same_unit else "per epoch / 1,000 iterations",
                     [f"{format_seconds(m.unit_median)} [{format_seconds(min(m.unit_seconds))}-"
                      f"{format_seconds(max(m.unit_seconds))}]" for m in ms]))
        rows.append(("machine floor, same shapes", [format_seconds(m.floor_median) for m in ms]))
        rows.append(("x the floor", [f"{m.floor_ratio:.2f}x" for m in ms]))
        rows.append(("phases of the median fit", [self._length(m) for m in ms]))
        phases = [m.fit_phases() for m in ms]
        for phase in (*PHASES, "unaccounted"):
            if not any(phase in found for found in phases):
                continue
            cells = []
            for m, found in zip(ms, phases, strict=True):
                share = 100 * found.get(phase, 0.0) / m.fit_seconds[m.median_fit]
                cells.append(f"{format_seconds(found[phase]):>8} {share:5.1f}%" if phase in found else "-")
            rows.append((f"  {PHASE_LABELS[phase]}", cells))
        rows.append(("  timed phases / fit's wall time", [f"{100 * m.coverage:.1f}%" for m in ms]))
        rows.append(("threads", [_threads(m.threads) for m in ms]))
        rows.append(("peak memory above the data", [_mib(m.peak_memory_bytes) for m in ms]))
        rows.append((f"full run ({run}), projected", [format_seconds(m.projected_seconds) for m in ms]))
        out += self._table(rows)
        if self.reference is not None:
            check = self.reference
            per_iteration = check.reference_seconds / check.n_iterations
            out += ["", "reference (pure Python, the tutorial's online settings, on the first rows) against "
                        "fastsom's exact kernel:"]
            out += ["  " + line for line in check.lines()]
            out += [f"  {m.label + ': ' if m.label else ''}the setting measured above, "
                    f"{format_seconds(m.unit_median / ITERATIONS_PER_UNIT)} per iteration: "
                    f"{per_iteration / (m.unit_median / ITERATIONS_PER_UNIT):,.0f}x the reference's "
                    f"{format_seconds(per_iteration)} per iteration" for m in ms if m.online]
        out += [""] + self._advice()
        out += [f"note: {note}" for note in self.notes]
        return out

    @staticmethod
    def _length(m):
        if m.online:
            return f"{m.steps_per_fit:,} iterations"
        return f"{m.steps_per_fit} epoch{'s' if m.steps_per_fit > 1 else ''}"

    def _advice(self):
        """What the largest phase of each setting means, and the checks when large (docs/guide/profiling.rst)."""
        lines = []
        for m in self.measurements:
            found = m.fit_phases()
            wall = m.fit_seconds[m.median_fit]
            top = max(found, key=found.get)
            shown = [top] + [p for p in ("validate",) if p != top and found.get(p, 0.0) >= 0.25 * wall]
            for phase in shown:
                head = f"{m.label + ': ' if m.label else ''}{PHASE_LABELS[phase]} take{'s' * (phase != 'validate')} "
                lines.append(f"{head}{100 * found[phase] / wall:.0f}% of a measured fit: {self._tip(m, phase)}")
        return lines

    @staticmethod
    def _tip(m, phase):
        if phase == "validate":
            return "paid once per fit; data already C-ordered in the map's dtype skip the conversion"
        if phase == "init":
            return "paid once per fit; init='random' or 'sample' cost less than 'pca'"
        if phase in ("bmu", "sweep") and m.floor_ratio < 1.5:
            smaller = "float32, " if m.params.get("dtype") == "float64" else ""
            return (f"at {m.floor_ratio:.2f}x the machine's floor for these shapes: only less work goes faster "
                    f"({smaller}fewer features or units)")
        if phase in ("bmu", "sweep"):
            return (f"at {m.floor_ratio:.2f}x the floor: check the threads line and the load average (cores "
                    "taken by other work)" + ("; on an idle machine try n_jobs=-1" if m.online else ""))
        if phase == "smooth":
            return ("its cost grows with the map (units x features x side), not with the samples: more samples "
                    "per epoch amortise it; the gaussian is separable, the truncated neighbourhoods cost more "
                    "as sigma grows")
        if phase in ("python", "unaccounted"):
            return ("each kernel call has little work (small data or map): the overhead is fixed per block or "
                    "epoch, so larger data per call amortise it; on tiny data the batch map is quickest")
        return "sums per unit and the new map: they grow with samples x features"

    def __str__(self):
        return "\n".join(self.lines())
