"""The report of a sweep folder: results.csv, results.md, curves-TASK.png and, where rewards were
re-optimised, reoptimization.csv/.md/.png; read from the run folders alone, no Ray.

A sweep folder holds one folder per task, and in it the runs (``irl sweep``, :mod:`irl.sweep.spec`):
learner runs ``VARIANT-seedS`` (VARIANT = the learner and the settings that vary), their
re-optimisation ``reopt-VARIANT-seedS`` and plain agents ``ppo-seedS`` (or ``sac-seedS``).
Results rows are per finished run; the table groups the seeds of a variant. Overhead is a
learner run's training time over the plain agent's, same task and seed, measured in the sweep.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from irl.rl.presets import preset
from irl.runs.config import default_settings
from irl.runs.recipes import SOURCE_DEFAULT
from irl.runs.run_dir import read_episode_returns, write_csv_rows
from irl.sweep.pairs import pairs_from_rows, plot, table, write_pairs
from irl.sweep.spec import read_json

RECIPE_OMITS = ("learner", "env_id", "demos", "total_steps", "seed", "eval_episodes", "torch_threads", "hyper_base")
PLAIN_ALGOS = ("ppo", "sac")


@dataclass(frozen=True)
class Cell:
    """One run of a sweep folder, finished or not."""

    task: str
    variant: str
    """The row label: 'airl', 'airl-disc_lr=0.0003', 'reopt-airl', 'ppo'."""
    seed: int
    run: Path
    kind: str
    """'learner', 'reopt' or 'plain'."""

    @property
    def finished(self) -> bool:
        return (self.run / "eval.json").is_file()


def cells(out: Path, order: Sequence[str] = ()) -> list[Cell]:
    """The runs under ``out``: per task, learner variants, then re-optimisations, then plain agents;
    tasks and variants in the order of the run folders (TASK/NAME) in ``order`` (the spec's trials),
    those not in it after, by name."""
    found = []
    for folder in sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith((".", "tune"))):
        for run in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.endswith(".reward")):
            match = re.fullmatch(r"(.+)-seed(\d+)", run.name)
            if match is None:
                continue
            variant, seed = match.group(1), int(match.group(2))
            config = read_json(run / "config.json")
            retrain = read_json(run / "retrain.json")
            if config is not None:
                found.append(Cell(config["env_id"], variant, seed, run, "learner"))
            elif retrain is not None and variant.startswith("reopt-"):
                found.append(Cell(retrain["env_id"], variant, seed, run, "reopt"))
            elif variant in PLAIN_ALGOS and (result := read_json(run / "eval.json")) is not None:
                found.append(Cell(result["env_id"], variant, seed, run, "plain"))
    rank = {key: i for i, key in enumerate(order)}
    kinds = {"learner": 0, "reopt": 1, "plain": 2}

    def place(c: Cell) -> tuple:
        name = c.run.name.removeprefix("reopt-") if c.kind == "reopt" else c.run.name
        at = rank.get(f"{c.run.parent.name}/{name}", len(rank))
        task = min((i for key, i in rank.items() if key.split("/")[0] == c.run.parent.name), default=len(rank))
        return task, c.task, kinds[c.kind], at

    return sorted(found, key=place)  # stable: by name where the order says nothing


def write_report(out: Path, order: Sequence[str] = ()) -> str:
    """Write the report of the sweep folder ``out`` (rows in the ``order`` of :func:`cells`);
    returns the Markdown tables ('' for no finished run)."""
    found = cells(out, order)
    rows = [_row(c, out) for c in found if c.finished]
    for task in dict.fromkeys(c.task for c in found):
        _plot_curves([c for c in found if c.task == task], out / f"curves-{task.replace('/', '_')}.png", task)
    if not rows:
        return ""
    write_csv_rows(out / "results.csv", rows)
    text = results_table(rows)
    (out / "results.md").write_text(text)
    pairs = pairs_from_rows(rows)
    if pairs:  # each fresh agent beside its imitator
        write_pairs(out / "reoptimization.csv", pairs)
        (out / "reoptimization.md").write_text(table(pairs))
        plot(pairs, out / "reoptimization.png")
        text += "\n" + table(pairs)
    return text


def results_table(rows: list[dict]) -> str:
    """Markdown: one row per (task, variant), its seeds' normalised returns, overhead against the plain agent."""
    algos = [r["learner"] for r in rows if r["learner"] in PLAIN_ALGOS] or ["ppo"]
    lines = ["| task | learner | seeds | normalised return (mean ± std) | per seed | true return | expert | random "
             f"| train s | overhead vs {algos[0].upper()} | peak MiB |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for env_id in dict.fromkeys(r["env"] for r in rows):
        plain = {r["seed"]: r["train_seconds"] for r in rows if r["env"] == env_id and r["learner"] in PLAIN_ALGOS}
        for learner in dict.fromkeys(r["learner"] for r in rows if r["env"] == env_id):
            sel = [r for r in rows if r["env"] == env_id and r["learner"] == learner]
            norm = np.array([np.nan if r["normalized_return"] is None else r["normalized_return"] for r in sel])
            ratios = [r["train_seconds"] / plain[r["seed"]] for r in sel if r["seed"] in plain]
            overhead = ("1 (reference)" if learner in PLAIN_ALGOS else f"{np.mean(ratios):.2f}x" if ratios else "n/a")
            lines.append(
                f"| {env_id} | {learner} | {len(sel)} | {norm.mean():.3f} ± {norm.std():.3f} | "
                f"{', '.join(f'{x:.3f}' for x in norm)} | {np.mean([r['return_mean'] for r in sel]):.1f} | "
                f"{_number(sel[0]['expert_return'])} | {_number(sel[0]['random_return'])} | "
                f"{np.mean([r['train_seconds'] for r in sel]):.0f} | {overhead} | {_peak(sel)} |")
    return "\n".join(lines) + "\n"


def _row(cell: Cell, out: Path) -> dict:
    result = json.loads((cell.run / "eval.json").read_text())
    keys = ("return_mean", "return_std", "normalized_return", "expert_return", "random_return", "train_seconds",
            "steps_per_second")
    return {"env": cell.task, "learner": cell.variant, "seed": cell.seed, **{k: result.get(k) for k in keys},
            "peak_memory_mb": result.get("peak_memory_mb"), **_settings(cell)}


def _settings(cell: Cell) -> dict:
    """recipe and steps of a learner run, or of the learner run a reopt- run's reward came from."""
    source = cell.run.with_name(cell.run.name.removeprefix("reopt-")) if cell.kind == "reopt" else cell.run
    config = read_json(source / "config.json")
    if config is None:  # a plain agent
        return {"recipe": "", "steps": None}
    manifest = read_json(source.with_name(f"reopt-{source.name}.reward") / "manifest.json") or {}
    return {"recipe": recipe(config, manifest), "steps": config["total_steps"]}


def recipe(config: dict, manifest: dict) -> str:
    """What a learner run's config.json and its reward's manifest.json set apart from irl's
    defaults, e.g. 'bc_epochs=100 ppo.learning_rate=lin_3e-4; export end_value=floor' ('' for none)."""
    defaults = default_settings()
    changed = [f"{k}={v}" for k, v in config.items() if k in defaults and k not in RECIPE_OMITS and v != defaults[k]]
    given = {k for k, source in (config.get("sources") or {}).items()  # given by a flag or a sweep spec
             if source != SOURCE_DEFAULT and not source.startswith("recipe")}
    for algo in PLAIN_ALGOS:  # a config resolved from a recipe holds the task's whole table: show what differs
        task = preset(algo, config["env_id"]) if config.get("hyper_base") == "sb3" and config.get(algo) else {}
        changed += [f"{algo}.{k}={v}" for k, v in config.get(algo, {}).items()
                    if k not in task or task[k] != v or f"{algo}.{k}" in given]
    export = [f"{k}={manifest[k]}" for k, default in (("end_value", "learned"), ("reward_form", "g"))
              if manifest.get(k, default) != default]
    return "; ".join(part for part in (" ".join(changed), "export " + " ".join(export) if export else "") if part)


def _plot_curves(found: list[Cell], path: Path, task: str) -> None:
    """Normalised return of the training episodes vs steps, mean ± std over seeds, one line per variant."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for i, variant in enumerate(dict.fromkeys(c.variant for c in found)):
        runs = [c for c in found if c.variant == variant]
        curves = [curve for c in runs if (curve := _curve(c)) is not None]
        if not curves:
            continue
        edges = np.linspace(0, max(steps.max() for steps, _ in curves), 41)
        grid = 0.5 * (edges[1:] + edges[:-1])
        c = np.array([_binned_mean(steps, norm, edges) for steps, norm in curves])
        seen = ~np.all(np.isnan(c), axis=0)  # grid points some run has reached
        c, xs = c[:, seen], grid[seen]
        kind = runs[0].kind
        label = (f"{variant.upper()} on true reward" if kind == "plain" else
                 f"PPO on {variant.removeprefix('reopt-').upper()}'s reward" if kind == "reopt" else variant.upper())
        unfinished = sum(not r.finished for r in runs)
        note = f", {unfinished} unfinished" if unfinished else ""
        seeds = f"{len(curves)} seed{'s' if len(curves) > 1 else ''}"
        mean, std = np.nanmean(c, 0), np.nanstd(c, 0)
        ax.plot(xs, mean, color=f"C{i % 10}", label=f"{label} ({seeds}{note})")
        ax.fill_between(xs, mean - std, mean + std, color=f"C{i % 10}", alpha=0.2)
    ax.axhline(1, color="k", ls="--", lw=1)
    ax.axhline(0, color="gray", ls=":", lw=1)
    ax.set(xlabel="environment steps", ylabel="normalised return (training episodes, binned)", title=task)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _curve(cell: Cell) -> tuple[np.ndarray, np.ndarray] | None:
    """(steps, normalised return) of the training episodes of a run, or None (nothing logged, no scores)."""
    scores = _scores(cell)
    name = "episodes.csv" if cell.kind == "plain" else "metrics.csv"
    if scores is None or not (cell.run / name).is_file():
        return None
    steps, ret = read_episode_returns(cell.run / name)
    return (steps, (ret - scores[1]) / (scores[0] - scores[1])) if len(steps) else None


def _scores(cell: Cell) -> tuple[float, float] | None:
    """(expert, random) returns of a run's task, from its eval.json or, unfinished, its scores.json."""
    result = read_json(cell.run / "eval.json") or {}
    if result.get("expert_return") is not None:
        return result["expert_return"], result["random_return"]
    scores = read_json(cell.run / "scores.json") or {}
    if scores.get("expert") is not None:
        return scores["expert"], scores["random"]
    if cell.kind == "reopt":  # unfinished: the learner run's
        return _scores(Cell(cell.task, cell.variant, cell.seed, cell.run.with_name(
            cell.run.name.removeprefix("reopt-")), "learner"))
    return None


def _binned_mean(steps: np.ndarray, values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Mean of the episodes that ended in each step bin (NaN where none did)."""
    idx = np.clip(np.digitize(steps, edges) - 1, 0, len(edges) - 2)
    sums = np.bincount(idx, weights=values, minlength=len(edges) - 1)
    counts = np.bincount(idx, minlength=len(edges) - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def _peak(rows: list[dict]) -> str:
    """The largest peak memory over the rows' runs, or n/a (runs from before it was recorded)."""
    peaks = [r["peak_memory_mb"] for r in rows if r.get("peak_memory_mb") is not None]
    return f"{max(peaks):.0f}" if peaks else "n/a"


def _number(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1f}"
