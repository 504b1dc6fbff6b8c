"""Which cheap signals predict what a learned reward teaches a fresh agent?

    python scripts/judge_study.py runs/r22 runs/r22-final --out docs/results/judge-study

Finds every re-optimised reward under the given sweep folders (``TASK/reopt-NAME.reward``
beside the fresh agent ``TASK/reopt-NAME/`` and the imitator ``TASK/NAME/``), and for each
computes candidate predictors of the fresh agent's final normalised return:

* the judge's figures (:func:`irl.api.judge` against the true reward, on the demos, a uniform
  random policy and the imitator's rollouts): pooled Pearson and Spearman, per source, EPIC
  where the true reward is a function, and the margin the reward puts between demos and
  random behaviour;
* a short re-optimisation: the fresh agent's mean normalised training return over its last
  8 episodes before 5%, 10% and 20% of its budget (read off its own metrics.csv, so the
  same seed as the full run: an upper bound on what a separate probe would show);
* as a diagnostic only (it needs the full re-optimisation): how much more learned reward
  per step the fresh agent collects than the demos (> 0: it found something the reward
  pays more than the expert's behaviour).

Writes OUT.csv (one row per reward, with its folder) and OUT.md (the Spearman rank
correlation of each candidate with the final return, and the count). A reward whose task,
name and final return repeat another's (the same run gathered twice) is counted once.
"""

from __future__ import annotations

import argparse
import csv
import json
import warnings
from pathlib import Path

import numpy as np

PREFIXES = (0.05, 0.10, 0.20)
CANDIDATES = ("pooled_spearman", "pooled_pearson", "random_spearman", "expert_spearman", "neg_epic",
              "demo_margin", *(f"prefix_{int(f * 100)}" for f in PREFIXES), "fresh_minus_demos")


def found_rewards(folders: list[Path]) -> list[Path]:
    """Every ``reopt-NAME.reward`` whose fresh agent finished (has eval.json), once per run."""
    seen, found = set(), []
    for folder in folders:
        for reward in sorted(folder.glob("**/reopt-*.reward")):
            fresh = reward.with_suffix("")
            if not (fresh / "eval.json").is_file():
                continue
            final = json.loads((fresh / "eval.json").read_text())["normalized_return"]
            key = (reward.parent.name, reward.name, round(final, 9))
            if key not in seen:
                seen.add(key)
                found.append(reward)
    return found


def prefix_scores(metrics: Path, budget: int) -> dict[str, float]:
    """Mean normalised return of the last 8 training episodes before each fraction of the budget."""
    with metrics.open() as f:
        rows = [r for r in csv.DictReader(f) if r.get("normalized_return")]
    steps = np.array([float(r["steps"]) for r in rows])
    score = np.array([float(r["normalized_return"]) for r in rows])
    out = {}
    for frac in PREFIXES:
        early = score[steps <= frac * budget]
        out[f"prefix_{int(frac * 100)}"] = float(early[-8:].mean()) if len(early) else float("nan")
    return out


def study_one(reward_path: Path) -> dict:
    from irl.api import judge, load_demos, load_reward
    from irl.data.demos import record_episodes
    from irl.rl.policy_io import Policy
    from irl.rl.sb3_adapter import make_env

    fresh = reward_path.with_suffix("")
    imitator = reward_path.with_name(reward_path.name[len("reopt-"):-len(".reward")])
    config = json.loads((imitator / "config.json").read_text())
    env_id, demos = config["env_id"], config["demos"]
    result = judge(reward_path, env_id, demos, policies=(str(imitator / "policy.zip"),), episodes=5, seed=0)
    src = result["per_source"]
    row = {"reward": str(reward_path), "task": env_id, "final": json.loads((fresh / "eval.json").read_text())
           ["normalized_return"], "pooled_spearman": result["spearman"], "pooled_pearson": result["pearson"],
           "random_spearman": src["random"]["spearman"], "expert_spearman": src.get("expert", {}).get("spearman"),
           "neg_epic": -result["epic"] if result.get("epic") is not None else None}
    span = abs(src["expert"]["learned_mean"]) + abs(src["random"]["learned_mean"]) if "expert" in src else 0.0
    row["demo_margin"] = (src["expert"]["learned_mean"] - src["random"]["learned_mean"]) / span if span else None
    budget = json.loads((fresh / "retrain.json").read_text())["steps"]
    row.update(prefix_scores(fresh / "metrics.csv", budget))
    reward = load_reward(reward_path)
    env = make_env(env_id)
    episodes = record_episodes(Policy(fresh / "policy.zip").act, env, episodes=3, seed=0)
    env.close()
    t = load_demos(demos).transitions

    def per_step(tr) -> float:
        return float(np.mean(reward(tr.obs.astype(np.float32), tr.acts, tr.next_obs.astype(np.float32),
                                    np.zeros(len(tr.obs), np.float32))))

    row["fresh_minus_demos"] = per_step(episodes) - per_step(t)
    return row


def summary(rows: list[dict]) -> str:
    from irl.rewards.judge import spearman

    final = np.array([r["final"] for r in rows])
    lines = ["| candidate | Spearman with the re-optimised return | rewards |", "|---|---|---|"]
    for name in CANDIDATES:
        x = np.array([np.nan if r.get(name) is None else r[name] for r in rows], float)
        ok = ~np.isnan(x)
        rho = spearman(x[ok], final[ok]) if ok.sum() > 2 else float("nan")
        lines.append(f"| {name} | {rho:+.2f} | {int(ok.sum())} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", type=Path, help="sweep or benchmark folders with --reoptimize runs")
    parser.add_argument("--out", type=Path, required=True, help="writes OUT.csv and OUT.md")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    import torch

    torch.set_num_threads(1)
    rows = []
    for reward in found_rewards(args.folders):
        rows.append(study_one(reward))
        print(f"{rows[-1]['final']:+.3f}  {reward}", flush=True)
    if not rows:
        raise SystemExit(f"judge_study: no finished re-optimisation under {', '.join(map(str, args.folders))}")
    write_study(args.out, rows, ["reward", "task", "final", *CANDIDATES], summary(rows))


def write_study(out: Path, rows: list[dict], fieldnames: list[str], text: str) -> None:
    """OUT.csv (the rows), OUT.md (``text``), and ``text`` printed."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.with_suffix(".csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fieldnames, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    out.with_suffix(".md").write_text(text)
    print(text, end="")


if __name__ == "__main__":
    main()
