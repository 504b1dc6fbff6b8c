"""The learned rewards behind the results rows, kept beside them (docs/results/rewards/).

    python scripts/reward_archive.py --check      # every archived reward loads and matches a benchmark.csv row
    python scripts/reward_archive.py --list       # one line per archived reward
    python scripts/reward_archive.py --plot OUT.png ENTRY [ENTRY ...]   # their fresh agents' curves

A row of docs/results/benchmark.csv is a number; the reward it measured lived in a run folder
(``runs/``, never committed) and was lost with it, so no later study (a judge, a new export,
a transfer test) could look at it again. ``docs_results.py --add`` therefore also copies, for
each row it adds, the exported reward that the fresh agent was trained on (the benchmark's
``reopt-NAME.reward`` folder beside the CSV) into

    docs/results/rewards/TASK/LEARNER-seedSEED-COMMIT-DIGEST/
        reward/             the artifact as exported, less its ONNX graph (manifest.json and
                            reward.safetensors): ``irl.load_reward`` reads it (building the graph
                            in memory), ``irl retrain`` and ``irl judge`` take it
        result.json         the benchmark.csv row (settings, export, steps, seed, both scores,
                            date, commit, command)
        reopt-curve.csv     the fresh agent's true return over its training, in 100 slices of its
                            budget (steps at the slice's end, episodes, mean return, normalised)
        imitator-curve.csv  the imitator's rounds, at most 100 of them evenly spaced (its metrics.csv)

DIGEST is the first 6 hex digits of the SHA-1 of "settings|export|steps", so the same seed
measured with other settings or at another commit gets its own folder. A folder already there
is never replaced. A reward exported with one member is tens of kB; one of 20 members (the
energy's course, the default export) about 40 kB on Pendulum and 0.9 MB on HalfCheetah. The
ONNX graph is left out because it is a second copy of the weights (a third of an entry's
size) and the archive is cloned with the repository.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import shutil
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
ARCHIVE = REPO / "docs" / "results" / "rewards"
ONNX = "reward.onnx"  # irl.rewards.artifact.ONNX; not imported, so that --help needs no torch
ROW_KEYS = ("task", "learner", "settings", "export", "steps", "seed", "imitator", "reoptimized", "date", "commit",
            "command")
SLICES = 100


class ArchiveError(ValueError):
    """A sweep folder, row or archive entry that cannot be archived or read."""


def entry_name(row: dict) -> str:
    """LEARNER-seedSEED-COMMIT-DIGEST for a benchmark.csv row (dict of its columns)."""
    digest = hashlib.sha1(f"{row['settings']}|{row['export']}|{row['steps']}".encode()).hexdigest()[:6]
    return f"{row['learner']}-seed{row['seed']}-{row['commit']}-{digest}"


def entry_path(row: dict, to: Path = ARCHIVE) -> Path:
    """Where a benchmark.csv row's reward is (or would be) archived."""
    return to / row["task"] / entry_name(row)


def sweep_folders(sweep: Path, task: str, learner: str, seed: int | str) -> tuple[Path, Path, Path]:
    """A benchmark's (imitator run, exported reward, fresh agent's run) folders of one pair."""
    from irl.sweep.spec import task_folder

    base = sweep / task_folder(task)
    name = f"{learner}-seed{seed}"
    return base / name, base / f"reopt-{name}.reward", base / f"reopt-{name}"


def _slices(rows: list[dict], steps: int) -> list[dict]:
    """Episodes (steps, ep_return, normalized_return) as SLICES rows: the mean over the
    episodes that ended in each slice of the budget (slices with none are left out; the
    budget stretches to the last episode, as PPO ends on a whole rollout)."""
    ends = np.array([float(r["steps"]) for r in rows])
    returns = np.array([float(r["ep_return"]) for r in rows])
    normalised = np.array([float(r["normalized_return"]) if r.get("normalized_return") not in (None, "")
                           else np.nan for r in rows])
    edges = np.linspace(0, max(steps, ends.max()), SLICES + 1)
    out = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (ends > lo) & (ends <= hi)
        if inside.any():
            out.append({"steps": int(hi), "episodes": int(inside.sum()),
                        "ep_return": round(float(returns[inside].mean()), 3),
                        "normalized_return": round(float(np.nanmean(normalised[inside])), 4)
                        if np.isfinite(normalised[inside]).any() else ""})
    return out


def _evenly(rows: list[dict], most: int = SLICES) -> list[dict]:
    """At most ``most`` of ``rows``, evenly spaced, the last one always kept."""
    if len(rows) <= most:
        return rows
    picks = np.unique(np.linspace(len(rows) - 1, 0, most).round().astype(int))
    return [rows[i] for i in picks]


def _read_csv(path: Path) -> list[dict]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def _write_csv(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def archive(sweep: Path, row: dict, to: Path = ARCHIVE) -> Path | None:
    """Copy the reward of one benchmark.csv ``row`` measured in ``sweep`` (a benchmark --out
    folder) into the archive; returns the new entry, or None when the sweep has no exported
    reward for it (an imitator-only row). Refuses an entry that is already there."""
    run, reward, fresh = sweep_folders(sweep, row["task"], row["learner"], row["seed"])
    if not (reward / "manifest.json").is_file():
        return None
    entry = entry_path(row, to)
    if entry.exists():
        raise ArchiveError(f"{entry.relative_to(to)} is already archived; a new measurement of the same "
                           "settings and seed needs another commit")
    for needed in (fresh / "metrics.csv", run / "metrics.csv"):
        if not needed.is_file():
            raise ArchiveError(f"{needed}: expected the run's metrics beside its exported reward, found none")
    entry.mkdir(parents=True)
    shutil.copytree(reward, entry / "reward", ignore=shutil.ignore_patterns(ONNX))
    (entry / "result.json").write_text(json.dumps({k: row[k] for k in ROW_KEYS}, indent=2) + "\n")
    episodes = _read_csv(fresh / "metrics.csv")
    if episodes:
        _write_csv(entry / "reopt-curve.csv", _slices(episodes, int(row["steps"])))
    rounds = _read_csv(run / "metrics.csv")
    if rounds:
        _write_csv(entry / "imitator-curve.csv", _evenly(rounds))
    return entry


def entries(to: Path = ARCHIVE) -> list[Path]:
    """Every archived entry (folders holding a result.json), sorted."""
    return sorted(p.parent for p in to.glob("*/*/result.json"))


def check(benchmark_csv: Path, to: Path = ARCHIVE) -> list[str]:
    """Problems with the archive: an entry whose reward does not load, whose name does not fit
    its result, or whose result is not a row of benchmark.csv (the numbers must agree)."""
    from irl import load_reward

    rows = _read_csv(benchmark_csv)
    problems = []
    for entry in entries(to):
        result = json.loads((entry / "result.json").read_text())
        where = entry.relative_to(to)
        if entry.name != entry_name(result) or entry.parent.name != result["task"]:
            problems.append(f"{where}: its name does not match its result.json")
        if not any(all(str(r[k]) == str(result[k]) for k in ROW_KEYS) for r in rows):
            problems.append(f"{where}: result.json matches no row of {benchmark_csv.name}")
        try:
            load_reward(entry / "reward", engine="torch")
        except Exception as error:  # any failure to load is the finding
            problems.append(f"{where}: the reward does not load: {error}")
    return problems


def plot(entries_: list[Path], out: Path) -> Path:
    """One figure: each entry's fresh agent (normalised true return per slice of its budget)
    beside its imitator's rounds, labelled by task, learner, seed and export."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (fresh_ax, imitator_ax) = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for i, entry in enumerate(entries_):
        result = json.loads((entry / "result.json").read_text())
        label = (f"{result['task']} {result['learner'].upper()} seed {result['seed']}, "
                 f"{result['export'] or 'export: defaults'}")
        for ax, name in ((fresh_ax, "reopt-curve.csv"), (imitator_ax, "imitator-curve.csv")):
            rows = [r for r in _read_csv(entry / name) if r.get("normalized_return")]
            ax.plot([int(r["steps"]) for r in rows], [float(r["normalized_return"]) for r in rows],
                    color=f"C{i}", label=label, alpha=0.6 if ax is imitator_ax else 1.0)
    fresh_ax.set(title="fresh PPO on the exported reward (true return)", xlabel="env steps",
                 ylabel="normalised return (1 = expert)")
    imitator_ax.set(title="the imitator that learned it", xlabel="env steps")
    for ax in (fresh_ax, imitator_ax):
        ax.axhline(1.0, color="grey", lw=0.8, ls="--")
        ax.grid(alpha=0.3)
    fresh_ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if an entry does not load or matches no row")
    parser.add_argument("--list", action="store_true", help="print one line per archived reward")
    parser.add_argument("--plot", nargs="+", type=Path, metavar=("OUT.png", "ENTRY"),
                        help="plot the fresh agents' and imitators' curves of the given entries into OUT.png")
    args = parser.parse_args(argv)
    if args.plot:
        if len(args.plot) < 2:
            parser.error("--plot needs OUT.png and at least one entry folder")
        print(f"wrote {plot(args.plot[1:], args.plot[0])}")
    if args.list:
        for entry in entries():
            r = json.loads((entry / "result.json").read_text())
            print(f"{entry.relative_to(REPO)}  imitator {float(r['imitator']):.3f}  fresh agent "
                  f"{float(r['reoptimized']):.3f}  {r['settings'] or 'recipe'}  {r['export']}")
    if args.check:
        problems = check(REPO / "docs" / "results" / "benchmark.csv")
        for problem in problems:
            print(f"reward_archive: {problem}", file=sys.stderr)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
