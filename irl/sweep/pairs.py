"""Re-optimisation beside imitation: each learned reward's fresh agent next to the imitator it came from.

A pair is one (task, learner, recipe, seed): the normalised return of the imitator
(``irl train``'s own policy) and of a fresh PPO agent trained from scratch on that
run's exported reward alone (``irl export`` + ``irl retrain``), both scored on the true
reward (0 = random, 1 = expert). A sweep with ``reoptimize = true`` writes its pairs with
these functions (:mod:`irl.sweep.report`); ``scripts/reopt_report.py`` renders pairs
gathered from several sweeps (a CSV with the columns of ``COLUMNS``) as one table and one plot.
"""

from __future__ import annotations

import csv
import math
import sys
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import numpy as np


@dataclass(frozen=True, kw_only=True)
class Pair:
    """One learned reward: its imitator's and its fresh agent's normalised returns."""

    task: str
    """Gymnasium env id, e.g. Hopper-v5."""
    learner: str
    """gail, airl or gcl."""
    recipe: str
    """The irl train / irl export settings that differ from the defaults ('' for none)."""
    steps: int
    """Environment steps of the imitator's training, and of the fresh agent's."""
    seed: int
    imitator: float
    """Normalised return of the learner's own policy."""
    reoptimized: float
    """Normalised return of fresh PPO trained on the exported reward alone."""
    source: str = ""
    """Where the numbers were recorded (a results table, a sweep folder)."""

    def __post_init__(self) -> None:
        for name in ("imitator", "reoptimized"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"{self.task} {self.learner} seed {self.seed}: {name} must be finite, "
                                 f"got {getattr(self, name)}")


COLUMNS = tuple(f.name for f in fields(Pair))


def pairs_from_rows(rows: list[dict]) -> list[Pair]:
    """Match result rows ``L`` and ``reopt-L`` of the same task and seed.

    rows: a sweep's result rows (keys env, learner, seed, normalized_return, and recipe and
    steps on the learner's row; learner is the variant, e.g. ``gail`` or ``gail-disc_lr=0.0003``,
    whose first word names the learner); a pair with a non-finite score is left out with a warning.
    """
    by_key = {(r["env"], r["learner"], r["seed"]): r for r in rows}
    pairs = []
    for (env, learner, seed), fresh in by_key.items():
        imitator = by_key.get((env, learner.removeprefix("reopt-"), seed))
        if not learner.startswith("reopt-") or imitator is None:
            continue
        try:
            pairs.append(Pair(task=env, learner=imitator["learner"].split("-", 1)[0], recipe=imitator.get("recipe", ""),
                              steps=int(imitator.get("steps", 0)), seed=seed,
                              imitator=float(imitator["normalized_return"]),
                              reoptimized=float(fresh["normalized_return"])))
        except (TypeError, ValueError) as e:  # e.g. no normalised score (demos without rewards)
            print(f"reopt_report: left out {env} {imitator['learner']} seed {seed}: {e}", file=sys.stderr)
    return pairs


def read_pairs(path: Path) -> list[Pair]:
    """Pairs from a CSV with a header naming ``COLUMNS`` (``source`` optional); ValueError names the bad row."""
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c != "source" and c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: expected columns {', '.join(COLUMNS)}; missing {', '.join(missing)}")
        pairs = []
        for row in reader:
            try:
                pairs.append(Pair(task=row["task"], learner=row["learner"], recipe=row["recipe"] or "",
                                  steps=int(row["steps"]), seed=int(row["seed"]), imitator=float(row["imitator"]),
                                  reoptimized=float(row["reoptimized"]), source=row.get("source") or ""))
            except (TypeError, ValueError) as e:
                raise ValueError(f"{path}, line {reader.line_num}: {e}") from None
    return pairs


def gather(labelled: list[tuple[str, Path]], root: Path | None = None) -> list[Pair]:
    """The pairs of several sweep folders (``--out``), given as (label, folder): each
    folder's reoptimization.csv read with its label as the recipe and its path (relative to
    ``root`` where given) as the source. Folders of different learners may share a label."""
    pairs = []
    for label, folder in labelled:
        path = Path(folder) / "reoptimization.csv"
        source = str(path.relative_to(root)) if root is not None else str(path)
        pairs += [replace(p, recipe=label, source=source) for p in read_pairs(path)]
    return pairs


def write_pairs(path: Path, pairs: list[Pair]) -> None:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(asdict(p) for p in pairs)


def _groups(pairs: list[Pair]) -> dict[tuple[str, str, str, int], list[Pair]]:
    """Pairs by (task, learner, recipe, steps), in first-seen order, seeds sorted."""
    groups: dict[tuple[str, str, str, int], list[Pair]] = {}
    for p in pairs:
        groups.setdefault((p.task, p.learner, p.recipe, p.steps), []).append(p)
    return {k: sorted(v, key=lambda p: p.seed) for k, v in groups.items()}


def _mean_std(values: list[float]) -> str:
    return f"{np.mean(values):.3f} ± {np.std(values):.3f}" if len(values) > 1 else f"{values[0]:.3f}"


def table(pairs: list[Pair]) -> str:
    """Markdown: one row per (task, learner, recipe), the imitator beside its fresh agent."""
    lines = ["| task | learner | recipe | steps | seeds | the imitator | fresh PPO on its reward "
             "| per seed (imitator → fresh) |", "|---|---|---|---|---|---|---|---|"]
    for (task, learner, recipe, steps), group in _groups(pairs).items():
        per_seed = ", ".join(f"{p.seed}: {p.imitator:.3f} → {p.reoptimized:.3f}" for p in group)
        lines.append(f"| {task} | {learner.upper()} | {recipe or 'defaults'} | {steps:,} | {len(group)} | "
                     f"{_mean_std([p.imitator for p in group])} | {_mean_std([p.reoptimized for p in group])} | "
                     f"{per_seed} |")
    return "\n".join(lines) + "\n"


def plot(pairs: list[Pair], path: Path) -> Path:
    """One panel per task; per (learner, recipe) each seed's imitator (circle) joined to its fresh agent
    (triangle), the means as short bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = _groups(pairs)
    tasks = list(dict.fromkeys(key[0] for key in groups))
    widths = [sum(1 for key in groups if key[0] == task) for task in tasks]
    fig, axes = plt.subplots(1, len(tasks), figsize=(1.6 * sum(widths) + 1.5 * len(tasks), 5.2), squeeze=False,
                             sharey=True, gridspec_kw={"width_ratios": widths})
    for ax, task in zip(axes[0], tasks):
        keys = [k for k in groups if k[0] == task]
        for x, key in enumerate(keys):
            group = groups[key]
            imitator, fresh = [p.imitator for p in group], [p.reoptimized for p in group]
            offsets = np.linspace(-0.12, 0.12, len(group)) if len(group) > 1 else np.zeros(1)
            for dx, a, b in zip(offsets, imitator, fresh):
                ax.plot([x - 0.18 + dx, x + 0.18 + dx], [a, b], color="0.6", lw=0.8, zorder=1)
            ax.scatter(x - 0.18 + offsets, imitator, marker="o", color="C0", zorder=2,
                       label="the imitator" if x == 0 else None)
            ax.scatter(x + 0.18 + offsets, fresh, marker="^", color="C3", zorder=2,
                       label="fresh PPO on its reward" if x == 0 else None)
            ax.hlines([np.mean(imitator)], x - 0.34, x - 0.02, color="C0", lw=2.5)
            ax.hlines([np.mean(fresh)], x + 0.02, x + 0.34, color="C3", lw=2.5)
        ax.set_xticks(range(len(keys)), [_label(learner, recipe) for _, learner, recipe, _ in keys], fontsize=7)
        ax.axhline(1, color="k", ls="--", lw=1)
        ax.axhline(0, color="gray", ls=":", lw=1)
        ax.set_title(task)
        ax.set_xlim(-0.6, len(keys) - 0.4)
    axes[0][0].set_ylabel("normalised true return (0 random, 1 expert)")
    fig.legend(*axes[0][0].get_legend_handles_labels(), loc="upper center", ncol=2, fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _label(learner: str, recipe: str) -> str:
    """x tick: the learner, and the recipe wrapped onto short lines."""
    words, lines = (recipe or "defaults").split(), [learner.upper()]
    for word in words:
        if len(lines) > 1 and len(lines[-1]) + len(word) < 18:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)
