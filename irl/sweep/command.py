"""What ``irl sweep`` does with a checked spec: claim the folder, run what is left on Ray, write the report."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from irl.errors import IrlError
from irl.runs import run_dir
from irl.sweep.report import write_report
from irl.sweep.spec import INSTALL_RAY, SweepSpec, ray_available, reconcile, state


def sweep(spec: SweepSpec, out: Path, *, address: str | None = None, jobs: int | None = None, max_failures: int = 2,
          report_only: bool = False) -> list[str]:
    """Run the trials of ``spec`` not yet finished into the sweep folder ``out`` (see
    :func:`irl.sweep.ray_backend.run_sweep`), then write and print its report; returns the
    keys of the trials that failed. Nothing runs, and nothing is written, where ``out`` is
    not a sweep folder of irl's or holds a run the spec cannot resume (one-line IrlError)."""
    run_dir.check_writable(out, run_dir.SWEEP, keep=True)
    if report_only:
        run_dir.claim(out, run_dir.SWEEP, keep=True)
        print(write_report(out, [t.key for t in spec.trials]), end="")
        return []
    if not ray_available():
        raise IrlError(INSTALL_RAY)
    spec = replace(spec, trials=tuple(reconcile(t, out, Path.cwd()) for t in spec.trials))
    states = {t.key: state(t, out) for t in spec.trials}
    run_dir.claim(out, run_dir.SWEEP, keep=True)
    from irl.sweep.ray_backend import run_sweep

    failed = run_sweep(spec, out, states=states, address=address, jobs=jobs, max_failures=max_failures)
    print(write_report(out, [t.key for t in spec.trials]), end="")
    return failed
