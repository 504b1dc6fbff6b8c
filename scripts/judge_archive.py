"""Does `irl judge`'s score rank rewards as full re-optimisations do? Measured on the archive.

    python scripts/judge_archive.py                 # probe every archived reward not yet probed
    python scripts/judge_archive.py --report        # rewrite docs/results/judge.md and judge.png
    python scripts/judge_archive.py --check         # exit 1 if judge.md is stale
    python scripts/judge_archive.py --only "Hopper-v5/*"   # only these rewards

Every reward in docs/results/rewards/TASK/NAME/ was re-optimised by a fresh PPO agent for as
many steps as it was learned in (result.json: ``reoptimized``, its normalised return). This
script runs :func:`irl.api.judge` (with its probe, a tenth of those steps) on each, with the
shipped demos whose fingerprint the reward's manifest names, and appends one row per reward
to docs/results/judge.csv (rows already there are skipped, so a stopped run goes on where it
was). The score is computed from each row's u and v by today's formula. ``--report`` writes the Spearman rank correlation of the score with the re-optimised
return, per task and over all, as a table and a scatter plot.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time
import warnings
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARCHIVE = ROOT / "docs" / "results" / "rewards"
CSV = ROOT / "docs" / "results" / "judge.csv"
REPORT = ROOT / "docs" / "results" / "judge.md"
PLOT = ROOT / "docs" / "results" / "judge.png"
COLUMNS = ("reward", "task", "learner", "seed", "export", "imitator", "reoptimized", "learned_progress",
           "true_progress", "probe_steps", "probe_seconds", "date", "commit", "command")
COMMAND = "python scripts/judge_archive.py"


def demos_by_fingerprint() -> dict[str, Path]:
    from irl.data.demos import load_demos

    found = {}
    for path in sorted((ROOT / "demos").glob("*.npz")):
        try:
            found[load_demos(path).fingerprint()] = path
        except Exception:  # noqa: BLE001 - a shipped file this task cannot read is simply not a candidate
            continue
    return found


def read_rows(path: Path = CSV) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def probe_archive(seed: int = 0, only: str = "*/*") -> None:
    from irl.api import judge

    demos = demos_by_fingerprint()
    done = {row["reward"] for row in read_rows()}
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    entries = sorted(p.parent for p in ARCHIVE.glob(f"{only}/result.json"))
    for entry in sorted(entries, key=lambda e: int(json.loads((e / "result.json").read_text())["steps"])):  # cheap first
        name = str(entry.relative_to(ARCHIVE))
        if name in done:
            continue
        result = json.loads((entry / "result.json").read_text())
        manifest = json.loads((entry / "reward" / "manifest.json").read_text())
        if manifest.get("demo_fingerprint") not in demos:
            print(f"skipped {name}: no shipped demos with fingerprint {manifest.get('demo_fingerprint')}")
            continue
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            judged = judge(entry / "reward", result["task"], demos[manifest["demo_fingerprint"]], seed=seed,
                           progress=True)
        probe = judged["probe"]
        row = {"reward": name, "task": result["task"], "learner": result["learner"], "seed": result["seed"],
               "export": result["export"], "imitator": result["imitator"], "reoptimized": result["reoptimized"],
               "learned_progress": _fmt(probe["learned_progress"]),
               "true_progress": _fmt(probe["true_progress"]), "probe_steps": probe["steps"],
               "probe_seconds": f"{time.perf_counter() - start:.0f}", "date": date.today().isoformat(),
               "commit": commit, "command": COMMAND}
        new = not CSV.is_file()
        with CSV.open("a", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=COLUMNS)
            if new:
                writer.writeheader()
            writer.writerow(row)
        print(f"{name}: score {probe['score']:.3f} ({probe['verdict'].split(':')[0]}), "
              f"re-optimised {float(result['reoptimized']):.3f}", flush=True)


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def score(row: dict[str, str]) -> float:
    """The judge's score from the probe's u and v (today's :func:`irl.rewards.probe.probe_score`)."""
    from irl.rewards.probe import probe_score

    return probe_score(float(row["learned_progress"] or "nan"), float(row["true_progress"]))


def spearman_of(rows: list[dict[str, str]]) -> float:
    from irl.rewards.judge import spearman

    return spearman([score(r) for r in rows], [float(r["reoptimized"]) for r in rows])


def markdown(rows: list[dict[str, str]]) -> str:
    tasks = sorted({r["task"] for r in rows})
    provenance = sorted({(r["date"], r["commit"]) for r in rows})
    lines = [f"Probed {', '.join(f'{d} at {c}' for d, c in provenance)} with `{COMMAND}`; rows in "
             f"`docs/results/judge.csv`. Scores from each row's u and v by `irl.rewards.probe.probe_score`.", "",
             "| rewards | count | Spearman (score, re-optimised return) |", "|---|---|---|",
             f"| all | {len(rows)} | {spearman_of(rows):+.3f} |"]
    for task in tasks:
        some = [r for r in rows if r["task"] == task]
        value = f"{spearman_of(some):+.3f}" if len(some) > 2 else "n/a (fewer than 3)"
        lines.append(f"| {task} | {len(some)} | {value} |")
    lines += ["", "| reward | export | imitator | re-optimised | score | u (learned) | v (true) | probe steps |",
              "|---|---|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: (r["task"], -score(r))):
        lines.append(f"| {r['reward']} | {r['export'] or 'default'} | {float(r['imitator']):.3f} | "
                     f"{float(r['reoptimized']):.3f} | {score(r):.3f} | {r['learned_progress'] or 'n/a'} | "
                     f"{r['true_progress']} | {r['probe_steps']} |")
    return "\n".join(lines) + "\n"


def plot(rows: list[dict[str, str]], out: Path = PLOT) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4.5))
    for task, marker in zip(sorted({r["task"] for r in rows}), "osD^v"):
        some = [r for r in rows if r["task"] == task]
        ax.scatter([score(r) for r in some], [float(r["reoptimized"]) for r in some], marker=marker,
                   label=f"{task} ({len(some)})", alpha=0.8)
    ax.axhline(0.9, color="grey", lw=0.8, ls="--")
    ax.set(xlabel="irl judge score (probe: a tenth of the steps)", ylabel="fresh agent, normalised return",
           title=f"judge score against full re-optimisation: Spearman {spearman_of(rows):+.2f} over {len(rows)}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", action="store_true", help="write judge.md and judge.png from judge.csv")
    parser.add_argument("--check", action="store_true", help="exit 1 if judge.md is not what judge.csv gives")
    parser.add_argument("--only", default="*/*", help="probe only the archived rewards matching TASK/NAME (a glob)")
    args = parser.parse_args(argv)
    if args.check:
        stale = not REPORT.is_file() or REPORT.read_text() != markdown(read_rows())
        if stale:
            print(f"{REPORT} is stale: run {COMMAND} --report", file=sys.stderr)
        return int(stale)
    if not args.report:
        probe_archive(only=args.only)
    rows = read_rows()
    REPORT.write_text(markdown(rows))
    plot(rows)
    print(f"wrote {REPORT} and {PLOT}: Spearman {spearman_of(rows):+.3f} over {len(rows)} rewards")
    return 0


if __name__ == "__main__":
    sys.exit(main())
