"""A run folder: what training writes and what ``irl eval`` reads.

    config.json          TrainConfig
    scores.json          expert and random returns used for the normalised score
    metrics.csv          one row of figures per round
    tb/                  TensorBoard logs (irl's figures and SB3's own)
    policy.zip           the generator, an ordinary SB3 model
    policy.obs_norm.npz  its observation statistics (pickle-free)
    energy.safetensors   the energy network's weights (incl. observation normaliser)
    energy.json          how to rebuild it: EnergySpec, learner, policy reward
    curves.png           learning curves
    eval.json            final evaluation on the true reward, training time, peak memory
"""

from __future__ import annotations

import csv
import json
import math
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.torch import save_file

from irl.config import TrainConfig, settings_that_differ
from irl.errors import RunDirError

MARKER = "config.json"


def peak_memory_mb() -> float | None:
    """Peak resident memory of this process so far, in MiB (None where the OS has no getrusage)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return round(peak / (2**20 if sys.platform == "darwin" else 2**10), 1)


def check_free(out: Path, *, overwrite: bool) -> None:
    """Refuse a folder that holds a run unless ``overwrite``, and a path that is a file."""
    if out.exists() and not out.is_dir():
        raise RunDirError(f"{out} exists and is not a folder")
    if (out / MARKER).exists() and not overwrite:
        raise RunDirError(f"{out} already holds a run; pass --resume to continue it, --overwrite to replace it, "
                          "or choose another --out")


def check_resumable(out: Path, config: TrainConfig) -> None:
    """The run in ``out`` exists, has a checkpoint, and was made with ``config``, except
    perhaps for a larger ``total_steps`` (a run, finished or not, trained for longer)."""
    if not (out / MARKER).is_file():
        raise RunDirError(f"{out} holds no run to resume (no {MARKER})")
    if not (out / "checkpoint" / "state.json").is_file() and not (out / ".checkpoint.old" / "state.json").is_file():
        raise RunDirError(f"{out} has no checkpoint to resume from")
    saved = json.loads((out / MARKER).read_text())
    given = json.loads(config.to_json())
    differ = settings_that_differ(saved, given)
    if differ:
        changes = ", ".join(f"{k}: {saved.get(k)!r} there, {given.get(k)!r} now" for k in differ)
        raise RunDirError(f"{out} was trained with other settings ({changes}); resume with the same arguments")


def prepare(out: Path, *, overwrite: bool) -> Path:
    """Create ``out`` after :func:`check_free`; with ``overwrite``, a previous run there is
    deleted first (so its old TensorBoard logs do not mix with the new ones)."""
    check_free(out, overwrite=overwrite)
    if overwrite and (out / MARKER).exists():
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    return out


def read_config(run: Path) -> TrainConfig:
    path = run / MARKER
    if not path.is_file():
        raise RunDirError(f"{run} is not a run folder (no {MARKER}); expected the --out of `irl train`")
    return TrainConfig.from_json(path.read_text())


def read_json(run: Path, name: str) -> dict[str, Any]:
    path = run / name
    if not path.is_file():
        raise RunDirError(f"{run} has no {name}: the run did not finish")
    return json.loads(path.read_text())


class MetricsLog:
    """Appends per-round figures to metrics.csv and TensorBoard."""

    COLUMNS = ("round", "steps", "seconds", "ep_return", "normalized_return", "policy_reward", "disc_loss",
               "grad_penalty", "acc_expert", "acc_gen", "absorbing_reward", "cost_reg", "log_z", "absorbing_logit")

    def __init__(self, run: Path, *, keep_rounds: int | None = None) -> None:
        """``keep_rounds``: resuming after that round, keep the rows up to it (rows logged
        after the checkpoint, before a crash, are dropped: they will be logged again)."""
        from torch.utils.tensorboard import SummaryWriter

        self.path = run / "metrics.csv"
        kept: list[list[str]] = []
        if keep_rounds is not None and self.path.exists():
            with self.path.open() as f:
                rows = list(csv.reader(f))[1:]
            kept = [r for r in rows if r and r[0] and float(r[0]) <= keep_rounds]
        with self.path.open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(self.COLUMNS)
            writer.writerows(kept)
        self.writer = SummaryWriter(str(run / "tb" / "irl"))

    def __call__(self, metrics: dict[str, float]) -> None:
        with self.path.open("a", newline="") as f:
            csv.writer(f).writerow([_fmt(metrics.get(c)) for c in self.COLUMNS])
        for key, value in metrics.items():
            if key not in ("round", "steps"):
                self.writer.add_scalar(f"irl/{key}", value, int(metrics["steps"]))

    def close(self) -> None:
        self.writer.close()


def _fmt(value: float | None) -> str:
    """Integers (round, steps) exactly, figures to 6 significant digits."""
    if value is None:
        return ""
    return str(int(value)) if isinstance(value, (int, np.integer)) else f"{value:.6g}"


def read_metrics(run: Path) -> dict[str, np.ndarray]:
    with (run / "metrics.csv").open() as f:
        rows = list(csv.DictReader(f))
    return {c: np.array([float(r[c]) if r.get(c) else math.nan for r in rows]) for c in MetricsLog.COLUMNS}


def read_episode_returns(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(steps, true return) of every episode in a CSV with ``steps`` and ``ep_return``
    columns (a run's metrics.csv, or train_expert.py's ALGO.episodes.csv); rows without a
    return (rounds where no episode ended) are left out."""
    with path.open() as f:
        rows = [r for r in csv.DictReader(f) if r.get("ep_return")]
    return np.array([float(r["steps"]) for r in rows]), np.array([float(r["ep_return"]) for r in rows])


def save_energy(run: Path, energy, spec_json: dict, *, learner: str, policy_reward: str) -> None:
    save_file({k: v.contiguous() for k, v in energy.state_dict().items()}, str(run / "energy.safetensors"))
    meta = {"format": "irl-energy", "version": 1, "learner": learner, "policy_reward": policy_reward,
            "spec": spec_json}
    (run / "energy.json").write_text(json.dumps(meta, indent=2))


def plot_curves(run: Path, title: str) -> Path:
    """curves.png: true return (normalised when possible) and discriminator accuracy vs steps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    m = read_metrics(run)
    adversarial = not np.all(np.isnan(m["acc_expert"]))
    fig, axes = plt.subplots(1, 2 if adversarial else 1, figsize=(11 if adversarial else 6, 4), squeeze=False)
    ax1 = axes[0, 0]
    use_norm = not np.all(np.isnan(m["normalized_return"]))
    y = m["normalized_return"] if use_norm else m["ep_return"]
    ok = ~np.isnan(y)
    ax1.plot(m["steps"][ok], y[ok], alpha=0.35, color="C0")
    ax1.plot(m["steps"][ok], _smooth(y[ok]), color="C0", label="policy (smoothed)")
    if use_norm:
        ax1.axhline(1.0, color="k", ls="--", lw=1, label="expert")
        ax1.axhline(0.0, color="gray", ls=":", lw=1, label="random")
    ax1.set(xlabel="environment steps", ylabel="normalised return" if use_norm else "true return",
            title=f"{title}: true return")
    ax1.legend(loc="lower right")
    if not adversarial:  # e.g. re-optimisation of an exported reward: no discriminator
        return _save(fig, run / "curves.png")
    ax2 = axes[0, 1]
    ax2.plot(m["steps"], _smooth(m["acc_expert"]), label="expert classified expert")
    ax2.plot(m["steps"], _smooth(m["acc_gen"]), label="generator classified generator")
    ax2.set(xlabel="environment steps", ylabel="accuracy", ylim=(0, 1.02), title="discriminator")
    ax2.legend()
    return _save(fig, run / "curves.png")


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _smooth(y: np.ndarray, k: int = 10) -> np.ndarray:
    """Centred moving average of width ``k``, edges averaged over what exists."""
    if len(y) == 0:
        return y
    kernel = np.ones(min(k, len(y)))
    return np.convolve(y, kernel, mode="same") / np.convolve(np.ones(len(y)), kernel, mode="same")


def write_csv_rows(path: Path, rows: list[dict]) -> None:
    """Rows of a results table as CSV, the first row's keys as the header."""
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
