"""A run folder: what training writes and what ``irl eval`` reads.

    config.json          TrainConfig; ``sources``: where each setting came from; ``export``: the
                         irl export settings the recipe named for the reward
    scores.json          expert and random returns used for the normalised score
    metrics.csv          one row of figures per round
    tb/                  TensorBoard logs (irl's figures and SB3's own)
    policy.zip           the generator, an ordinary SB3 model
    policy.obs_norm.npz  its observation statistics (pickle-free)
    energy.safetensors   the energy network's weights (incl. observation normaliser)
    energy.json          how to rebuild it: EnergySpec, learner, policy reward
    snapshots/           with ``reward_snapshot_steps``: energy-STEPS.safetensors, the energy's
                         weights after STEPS generator steps (same spec)
    curves.png           learning curves
    eval.json            final evaluation on the true reward, training time, peak memory
    irl-folder.json      the marker: which kind of folder this is and the names irl writes in it

Every folder irl writes (a run, a retrain run, a judge result, a sweep's) carries
``irl-folder.json``. irl writes only into a new or empty folder or one it marked as
its own kind; ``--overwrite`` removes only the entries the marker names; a folder that
holds anything else is refused, with or without ``--overwrite``.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
import sys
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.torch import save_file

from irl.errors import RunDirError
from irl.runs.config import TrainConfig, settings_that_differ

CONFIG = "config.json"
OWNER = "irl-folder.json"
OWNER_FORMAT = "irl-folder"


@dataclass(frozen=True)
class FolderKind:
    """A kind of folder irl writes.

    Args:
        name: what the folder holds, in messages ("run", "judge result").
        files: the top-level entries irl writes in it, as glob patterns.
        signature: (entry, fields) that recognise such a folder without the marker (one
            written before irl marked its folders, or a reward artifact, whose
            manifest.json is its marker): it holds ``entry`` (a glob pattern), a JSON
            object with those keys (a CSV with those columns) where ``fields`` are
            given, and nothing that is not in ``files``.
    """

    name: str
    files: tuple[str, ...]
    signature: tuple[str, tuple[str, ...]] | None = None
    takes_over: tuple[str, ...] = ()
    """Kinds whose folders this kind adopts as its own (a sweep takes a benchmark's folder)."""


POLICY_FILES = ("policy.zip", "policy.obs_norm.npz", "policy.spec.json", "policy.weights.safetensors")
RUN = FolderKind("run", (CONFIG, "scores.json", "metrics.csv", "tb", *POLICY_FILES, "energy.safetensors",
                         "energy.json", "curves.png", "eval.json", "checkpoint", ".checkpoint.old", ".checkpoint.tmp",
                         "snapshots"),
                 signature=(CONFIG, ("learner", "env_id", "demos", "total_steps")))
RETRAIN = FolderKind("retrain run", ("retrain.json", "metrics.csv", "tb", *POLICY_FILES, "curves.png", "eval.json"),
                     signature=("retrain.json", ("reward", "env_id", "algo", "steps")))
JUDGE = FolderKind("judge result", ("judge.json", "judge.png", "heatmap.png"),
                   signature=("judge.json", ("reward", "env_id", "per_source")))
SWEEP = FolderKind("sweep", ("*-v[0-9]*", "results.csv", "results.md", "curves-*.png", "reoptimization.csv",
                            "reoptimization.md", "reoptimization.png", "tune"),
                   signature=("*-v[0-9]*", ()), takes_over=("benchmark",))
"""A sweep (irl sweep): a folder per task holding its runs and their logs, Tune's files, the reports."""
REPLACE_HINT = "pass --overwrite to replace it, or choose another --out"


def peak_memory_mb() -> float | None:
    """Peak resident memory of this process so far, in MiB (None where the OS has no getrusage)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return round(peak / (2**20 if sys.platform == "darwin" else 2**10), 1)


def check_writable(out: Path, kind: FolderKind, *, overwrite: bool = False, keep: bool = False,
                   hint: str = REPLACE_HINT) -> None:
    """RunDirError unless irl may write a ``kind`` into ``out``: a new or empty folder, or
    one irl marked as a ``kind`` (which needs ``overwrite`` to be replaced, or ``keep`` to
    be written into as it is: a resumed run). A folder holding anything irl did not
    write is refused whatever the flags. Writes nothing."""
    _owned_entries(out, kind, overwrite=overwrite, keep=keep, hint=hint)


def claim(out: Path, kind: FolderKind, *, overwrite: bool = False, keep: bool = False,
          hint: str = REPLACE_HINT) -> Path:
    """:func:`check_writable`, then make ``out`` irl's: create it, remove what irl wrote
    there before (``overwrite``; nothing else is touched) and write the marker."""
    entries = _owned_entries(out, kind, overwrite=overwrite, keep=keep, hint=hint)
    out.mkdir(parents=True, exist_ok=True)
    if overwrite and not keep:
        for name in entries:
            path = out / name
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
    listed = _read_owner(out) or {}
    kept = listed.get("files", []) if listed.get("kind") == kind.name else []  # a kind it takes over: its own list
    files = dict.fromkeys([*kept, *kind.files])
    (out / OWNER).write_text(json.dumps({"format": OWNER_FORMAT, "version": 1, "kind": kind.name,
                                         "files": list(files)}, indent=2))
    return out


def _owned_entries(out: Path, kind: FolderKind, *, overwrite: bool, keep: bool, hint: str) -> list[str]:
    """The entries of ``out`` irl wrote (empty for a new or empty folder), after every check."""
    if out.exists() and not out.is_dir():
        raise RunDirError(f"{out} exists and is not a folder; choose another --out")
    entries = sorted(p.name for p in out.iterdir()) if out.is_dir() else []
    if not entries:
        return []
    owner = _read_owner(out)
    if owner is None and kind.signature is not None and _has_signature(out, entries, *kind.signature):
        owner = {"kind": kind.name, "files": list(kind.files)}
    if owner is None:
        raise RunDirError(f"{out} holds files irl did not write ({_some(entries)}); irl writes only into a new or "
                          "empty folder or one it made: choose another --out")
    if owner["kind"] != kind.name and owner["kind"] not in kind.takes_over:
        raise RunDirError(f"{out} holds an irl {owner['kind']}, not a {kind.name}; choose another --out")
    foreign = [e for e in entries if e != OWNER and not any(fnmatchcase(e, p) for p in owner["files"])]
    if foreign:
        raise RunDirError(f"{out} holds files irl did not write ({_some(foreign)}); move them out of the folder "
                          "or choose another --out")
    if not (overwrite or keep):
        raise RunDirError(f"{out} already holds a {kind.name}; {hint}")
    return [e for e in entries if e != OWNER]


def _read_owner(out: Path) -> dict[str, Any] | None:
    """The marker's content, or None where there is none or it is not irl's."""
    try:
        owner = json.loads((out / OWNER).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    ok = (isinstance(owner, dict) and owner.get("format") == OWNER_FORMAT and isinstance(owner.get("kind"), str)
          and isinstance(owner.get("files"), list) and all(isinstance(f, str) for f in owner["files"]))
    return owner if ok else None


def _has_signature(out: Path, entries: list[str], pattern: str, fields: tuple[str, ...]) -> bool:
    """An entry of ``out`` matches ``pattern`` and, where ``fields`` are given, is a JSON
    object with those keys (a CSV with those columns)."""
    return any(fnmatchcase(e, pattern) and (not fields or _looks_like(out / e, fields)) for e in entries)


def _looks_like(path: Path, fields: tuple[str, ...]) -> bool:
    """``path`` is a JSON object with ``fields`` among its keys (a CSV with them among its columns)."""
    try:
        text = path.read_text()
        if path.suffix == ".csv":
            return set(fields) <= set(next(csv.reader(text.splitlines()), []))
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(data, dict) and set(fields) <= set(data)


def _some(names: list[str], shown: int = 3) -> str:
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more} more" if more > 0 else "")


def check_resumable(out: Path, config: TrainConfig) -> None:
    """The run in ``out`` is irl's, has a checkpoint, and was made with ``config``, except
    perhaps for a larger ``total_steps`` (a run, finished or not, trained for longer)."""
    if not (out / CONFIG).is_file():
        raise RunDirError(f"{out} holds no run to resume (no {CONFIG})")
    check_writable(out, RUN, keep=True)
    if not (out / "checkpoint" / "state.json").is_file() and not (out / ".checkpoint.old" / "state.json").is_file():
        raise RunDirError(f"{out} has no checkpoint to resume from")
    saved = json.loads((out / CONFIG).read_text())
    given = json.loads(config.to_json())
    differ = settings_that_differ(saved, given)
    if differ:
        changes = ", ".join(f"{k}: {saved.get(k)!r} there, {given.get(k)!r} now" for k in differ)
        raise RunDirError(f"{out} was trained with other settings ({changes}); resume with the same arguments")


def read_config(run: Path) -> TrainConfig:
    path = run / CONFIG
    if not path.is_file():
        raise RunDirError(f"{run} is not a run folder (no {CONFIG}); expected the --out of `irl train`")
    return TrainConfig.from_json(path.read_text())


def read_json(run: Path, name: str) -> dict[str, Any]:
    path = run / name
    if not path.is_file():
        raise RunDirError(f"{run} has no {name}: the run did not finish")
    return json.loads(path.read_text())


class MetricsLog:
    """Appends one row of figures per round (an adversarial run) or per episode (a retrain
    run) to metrics.csv, and the figures to TensorBoard."""

    COLUMNS = ("round", "steps", "seconds", "ep_return", "normalized_return", "policy_reward", "disc_loss",
               "grad_penalty", "acc_expert", "acc_gen", "absorbing_reward", "cost_reg", "log_z", "log_z_ess",
               "absorbing_logit")
    EPISODE_COLUMNS = ("episode", "steps", "seconds", "ep_return", "normalized_return")

    def __init__(self, run: Path, *, keep_rounds: int | None = None, columns: tuple[str, ...] = COLUMNS) -> None:
        """``keep_rounds``: resuming after that round, keep the rows up to it (rows logged
        after the checkpoint, before a crash, are dropped: they will be logged again)."""
        from torch.utils.tensorboard import SummaryWriter

        self.path = run / "metrics.csv"
        self.columns = columns
        kept: list[list[str]] = []
        if keep_rounds is not None and self.path.exists():
            with self.path.open() as f:
                rows = list(csv.reader(f))[1:]
            kept = [r for r in rows if r and r[0] and float(r[0]) <= keep_rounds]
        with self.path.open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(columns)
            writer.writerows(kept)
        self.writer = SummaryWriter(str(run / "tb" / "irl"))

    def __call__(self, metrics: dict[str, float]) -> None:
        with self.path.open("a", newline="") as f:
            csv.writer(f).writerow([_fmt(metrics.get(c)) for c in self.columns])
        for key, value in metrics.items():
            if key not in ("round", "episode", "steps") and value is not None:
                self.writer.add_scalar(f"irl/{key}", value, int(metrics["steps"]))

    def close(self) -> None:
        self.writer.close()


def _fmt(value: float | None) -> str:
    """Integers (round, steps) exactly, figures to 6 significant digits."""
    if value is None:
        return ""
    return str(int(value)) if isinstance(value, (int, np.integer)) else f"{value:.6g}"


def read_metrics(run: Path) -> dict[str, np.ndarray]:
    """metrics.csv's columns by name (NaN where a row has no figure)."""
    with (run / "metrics.csv").open() as f:
        reader = csv.DictReader(f)
        rows = list(reader)
        columns = reader.fieldnames or []
    return {c: np.array([float(r[c]) if r.get(c) else math.nan for r in rows]) for c in columns}


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


SNAPSHOTS = "snapshots"


def save_energy_snapshot(run: Path, energy, steps: int) -> Path:
    """The energy's weights as they are after ``steps`` generator steps: RUN/snapshots/energy-STEPS.safetensors
    (its spec is the run's energy.json)."""
    path = run / SNAPSHOTS / f"energy-{steps:010d}.safetensors"
    path.parent.mkdir(exist_ok=True)
    save_file({k: v.contiguous() for k, v in energy.state_dict().items()}, str(path))
    return path


def energy_snapshots(run: Path) -> list[tuple[int, Path]]:
    """(steps, path) of every saved energy snapshot of a run, in training order."""
    found = [(int(p.stem.removeprefix("energy-")), p) for p in (run / SNAPSHOTS).glob("energy-*.safetensors")
             if p.stem.removeprefix("energy-").isdigit()]
    return sorted(found)


def plot_curves(run: Path, title: str) -> Path:
    """curves.png: true return (normalised when possible) and discriminator accuracy vs steps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    m = read_metrics(run)
    nothing = np.full(len(m["steps"]), math.nan)
    adversarial = not np.all(np.isnan(m.get("acc_expert", nothing)))
    per = "round" if "round" in m else "episode"
    fig, axes = plt.subplots(1, 2 if adversarial else 1, figsize=(11 if adversarial else 6, 4), squeeze=False)
    ax1 = axes[0, 0]
    use_norm = not np.all(np.isnan(m.get("normalized_return", nothing)))
    y = m["normalized_return"] if use_norm else m["ep_return"]
    ok = ~np.isnan(y)
    ax1.plot(m["steps"][ok], y[ok], alpha=0.35, color="C0", label=f"policy (each {per})")
    ax1.plot(m["steps"][ok], smooth(y[ok]), color="C0", label="policy (smoothed)")
    if use_norm:
        ax1.axhline(1.0, color="k", ls="--", lw=1, label="expert")
        ax1.axhline(0.0, color="gray", ls=":", lw=1, label="random")
    ax1.set(xlabel="environment steps", ylabel="normalised return" if use_norm else "true return",
            title=f"{title}: true return")
    ax1.legend(loc="best")
    if not adversarial:  # e.g. re-optimisation of an exported reward: no discriminator
        return _save(fig, run / "curves.png")
    ax2 = axes[0, 1]
    for key, label in (("acc_expert", "expert classified expert"), ("acc_gen", "generator classified generator")):
        ok = ~np.isnan(m[key])
        ax2.plot(m["steps"][ok], smooth(m[key][ok]), label=label)
    ax2.set(xlabel="environment steps", ylabel="accuracy", ylim=(0, 1.02), title="discriminator")
    ax2.legend()
    return _save(fig, run / "curves.png")


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def smooth(y: np.ndarray, half_width: int | None = None) -> np.ndarray:
    """Centred moving average whose window shrinks symmetrically at both ends, so that
    the first and last points are the raw ones: a rising curve is not pulled below its
    last values. Default half-width: a 20th of the points, at most 5 (short runs are
    smoothed little)."""
    n = len(y)
    h = min(5, n // 20) if half_width is None else half_width
    i = np.arange(n)
    w = np.minimum(np.minimum(i, n - 1 - i), h)  # (n,) half-width at each point
    sums = np.concatenate([[0.0], np.cumsum(np.asarray(y, np.float64))])
    return (sums[i + w + 1] - sums[i - w]) / (2 * w + 1)


def write_csv_rows(path: Path, rows: list[dict]) -> None:
    """Rows of a results table as CSV, the first row's keys as the header."""
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
