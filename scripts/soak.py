"""Long-run soak: train with checkpoints and record memory over time (Linux).

    python scripts/soak.py --learner airl --env HalfCheetah-v5 --steps 3000000 --out runs/soak

Runs ``irl train`` (checkpoint every 10 rounds) in a child process and samples its
resident memory (VmRSS from /proc) every ``--every`` seconds into memory.csv, then
plots memory.png and prints the growth between the first and last tenth of the run.
Resumes a stopped soak (``--resume`` is passed when the run folder has a checkpoint).
Arguments it does not know are passed to ``irl train``.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

DEMOS = {"HalfCheetah-v5": "demos/halfcheetah-v5.npz", "Hopper-v5": "demos/hopper-v5.npz",
         "Pendulum-v1": "demos/pendulum-v1.npz"}


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        return None
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learner", default="airl")
    parser.add_argument("--env", default="HalfCheetah-v5")
    parser.add_argument("--steps", type=int, default=3_000_000)
    parser.add_argument("--every", type=float, default=30.0, help="seconds between memory samples")
    parser.add_argument("--out", type=Path, default=Path("runs/soak"))
    parser.add_argument("--report", action="store_true", help="only summarise and plot memory.csv")
    args, train_args = parser.parse_known_args()  # the rest goes to irl train (e.g. --reward neg_energy)
    run = args.out / "run"
    cmd = [sys.executable, "-m", "irl.cli", "train", args.learner, "--env", args.env, "--demos", DEMOS[args.env],
           "--steps", str(args.steps), "--out", str(run), "--no-progress", "--checkpoint-every", "10", *train_args]
    if (run / "checkpoint" / "state.json").exists():
        cmd.append("--resume")
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.report:
        _soak(cmd, args.out, run, args.every)
    report(args.out)


def _soak(cmd: list[str], out: Path, run: Path, every: float) -> None:
    start = time.time() - _elapsed_before(out / "memory.csv")  # a resumed soak continues its clock
    with (out / "train.log").open("a") as log, (out / "memory.csv").open("a", newline="") as f:
        writer = csv.writer(f)
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        time.sleep(every)  # the first sample once the child has loaded (not its start-up)
        while proc.poll() is None:
            mib = rss_mib(proc.pid)
            if mib:  # None once the child is gone
                writer.writerow([round(time.time() - start, 1), round(mib, 1), _last_step(run / "metrics.csv")])
                f.flush()
            time.sleep(every)
    if proc.returncode != 0:
        print(f"training failed (exit {proc.returncode}); see {out / 'train.log'}")


def report(out: Path) -> None:
    """Print the memory growth and plot memory.png; samples under a tenth of the median
    are a child process starting up (the first sample of a resumed soak before this
    script waited for it) and are left out."""
    with (out / "memory.csv").open() as f:
        samples = np.array([[float(row[0]), float(row[1])] for row in csv.reader(f) if row and float(row[1]) > 0])
    if len(samples) < 10:
        return
    start_up = samples[:, 1] < 0.1 * np.median(samples[:, 1])
    samples = samples[~start_up]
    tenth = len(samples) // 10
    early, late = samples[:tenth, 1].mean(), samples[-tenth:, 1].mean()
    print(f"resident memory: {early:.0f} MiB in the first tenth, {late:.0f} MiB in the last "
          f"({late - early:+.0f} MiB), range {samples[:, 1].min():.1f}-{samples[:, 1].max():.1f} MiB, "
          f"{len(samples)} samples over {samples[-1, 0] / 3600:.2f} h ({int(start_up.sum())} start-up samples left out)")
    _plot(samples, out / "memory.png")


def _elapsed_before(memory_csv: Path) -> float:
    """Seconds of soak already recorded in memory.csv (0 for a new soak)."""
    if not memory_csv.exists():
        return 0.0
    rows = [row for row in csv.reader(memory_csv.open()) if row]
    return float(rows[-1][0]) if rows else 0.0


def _last_step(metrics_csv: Path) -> str:
    """The run's latest environment step from its metrics.csv ('' before the first round)."""
    try:
        with metrics_csv.open("rb") as f:
            f.seek(max(0, f.seek(0, 2) - 400))
            last = f.read().decode(errors="replace").strip().splitlines()[-1]
        return last.split(",")[1] if last[:1].isdigit() else ""
    except (FileNotFoundError, IndexError):
        return ""


def _plot(samples: np.ndarray, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.plot(samples[:, 0] / 60, samples[:, 1])
    ax.set(xlabel="minutes", ylabel="resident memory (MiB)", title="soak: memory over time")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    main()
