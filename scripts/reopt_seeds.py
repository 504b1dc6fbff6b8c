"""Is what a reward teaches a property of the reward, or of the fresh agent's seed?

    python scripts/reopt_seeds.py runs/r22-final/pendulum-airl/Pendulum-v1/reopt-airl-seed1.reward ... \\
        --seeds 10 11 12 --runs runs/reopt-seeds --out docs/notes/judge-study/reopt-seeds

Re-optimises each exported reward (a ``TASK/reopt-NAME.reward`` of ``scripts/benchmark.py
--reoptimize``, beside its first fresh agent ``TASK/reopt-NAME/``) again with other seeds:
``irl retrain`` with the first agent's env, algorithm and steps (its retrain.json), into
RUNS/NAME-sSEED, where NAME is the reward's path with ``/`` as ``_``. Finished runs are kept,
so a stopped study goes on with the same command. Writes OUT.csv (one row per run) and OUT.md:
per reward, the first agent's normalised return beside each new seed's, and the share of the
returns' variance that lies between rewards rather than between seeds of one reward (near 1:
the reward decides what a fresh agent learns, and a judge has something to predict).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
from pathlib import Path

import numpy as np


def run_name(reward: Path) -> str:
    """``runs/a/b/reopt-x.reward`` -> ``a_b_reopt-x``."""
    parts = reward.with_suffix("").parts
    return "_".join(parts[1:] if parts[0] == "runs" else parts)


def retrain(reward: Path, seed: int, runs: Path) -> float:
    """The fresh agent's normalised return on ``reward`` with ``seed`` (trained unless already there)."""
    first = json.loads((reward.with_suffix("") / "retrain.json").read_text())
    out = runs / f"{run_name(reward)}-s{seed}"
    if not (out / "eval.json").is_file():
        cmd = ["irl", "retrain", str(reward), "--env", first["env_id"], "--algo", first["algo"],
               "--steps", str(first["steps"]), "--seed", str(seed), "--out", str(out), "--overwrite", "--no-progress"]
        proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
        if proc.returncode != 0:
            raise SystemExit(f"reopt_seeds: {' '.join(cmd)} failed: {proc.stderr.strip().splitlines()[-1:]}")
    return float(json.loads((out / "eval.json").read_text())["normalized_return"])


def between_share(returns: list[list[float]]) -> float:
    """Share of the variance of all returns that lies between rewards (one-way ANOVA's eta squared):
    sum over rewards of n_i (mean_i - mean)^2 / sum over all of (x - mean)^2."""
    flat = np.concatenate([np.asarray(r, float) for r in returns])
    total = float(((flat - flat.mean()) ** 2).sum())
    between = sum(len(r) * (np.mean(r) - flat.mean()) ** 2 for r in returns)
    return float(between / total) if total > 0 else float("nan")


def table(rows: list[dict], seeds: list[int]) -> str:
    by_reward: dict[str, list[dict]] = {}
    for row in rows:
        by_reward.setdefault(row["reward"], []).append(row)
    lines = ["| reward | first agent | " + " | ".join(f"seed {s}" for s in seeds) + " | spread |",
             "|---|" + "---|" * (len(seeds) + 2)]
    returns = []
    for reward, group in by_reward.items():
        values = {r["seed"]: r["normalized_return"] for r in group}
        returns.append(list(values.values()))
        cells = " | ".join(f"{values[s]:.3f}" for s in seeds)
        first = [r for r in group if r["first"]][0]
        lines.append(f"| `{reward}` | {first['normalized_return']:.3f} (seed {first['seed']}) | {cells} | "
                     f"{max(values.values()) - min(values.values()):.3f} |")
    lines.append("")
    lines.append(f"Share of the variance between rewards: {between_share(returns):.2f} "
                 f"({len(rows)} fresh agents, {len(by_reward)} rewards).")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rewards", nargs="+", type=Path, help="TASK/reopt-NAME.reward folders")
    parser.add_argument("--seeds", nargs="+", type=int, default=[10, 11, 12])
    parser.add_argument("--runs", type=Path, default=Path("runs/reopt-seeds"), help="where the new agents train")
    parser.add_argument("--out", type=Path, required=True, help="writes OUT.csv and OUT.md")
    args = parser.parse_args()
    rows = []
    for reward in args.rewards:
        first = reward.with_suffix("")
        spec = json.loads((first / "retrain.json").read_text())
        rows.append({"reward": str(reward), "seed": spec["seed"], "first": True, "normalized_return":
                     float(json.loads((first / "eval.json").read_text())["normalized_return"])})
        for seed in args.seeds:
            rows.append({"reward": str(reward), "seed": seed, "first": False,
                         "normalized_return": retrain(reward, seed, args.runs)})
            print(f"{rows[-1]['normalized_return']:+.3f}  seed {seed}  {reward}", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.with_suffix(".csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["reward", "seed", "first", "normalized_return"])
        writer.writeheader()
        writer.writerows(rows)
    text = table(rows, args.seeds)
    args.out.with_suffix(".md").write_text(text)
    print(text, end="")


if __name__ == "__main__":
    main()
