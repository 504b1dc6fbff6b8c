"""Imitation benchmark per ../shared/BENCHMARKS.md: GAIL, AIRL and GCL against plain PPO (or SAC).

    python scripts/benchmark.py                                  # full: 2 tasks x 3 seeds x 1M steps
    python scripts/benchmark.py --envs HalfCheetah-v5 --seeds 0 --jobs 2
    python scripts/benchmark.py --envs Pendulum-v1 --steps 120000 --reoptimize   # + PPO on each exported reward
    python scripts/benchmark.py --algo sac --steps 200000 --out runs/benchmark-sac --train-args "--q-floor 0.05"

``--algo sac`` makes SAC the generator of every learner and the plain baseline;
``--train-args`` are passed to every ``irl train`` and ``--export-args`` to every
``irl export`` of --reoptimize (keep one --out per setting).

For every (task, seed) it trains each learner (``irl train``) and plain SB3 PPO
with the same preset and budget on the true reward (the ceiling and the speed
denominator), each in its own process, ``--jobs`` at a time, 1 torch thread each.
Cells already finished are skipped and a stopped learner run continues from its
checkpoint, so a stopped benchmark resumes. Writes to
--out: results.csv (one row per run), results.md (the table, with overhead and peak memory), and
curves-ENV.png (normalised return vs steps, mean ± std over seeds); with --reoptimize also
reoptimization.csv/.md/.png, each fresh agent beside its imitator (``scripts/reopt_report.py``).

With --reoptimize, each finished learner run's reward is exported (``irl export``) to
ENV/reopt-LEARNER-seedS.reward and a fresh PPO agent is trained on it alone for the same
budget (``irl retrain``): rows ``reopt-LEARNER`` report that agent's true normalised
return. The learner run is only read, so one run (linked into several --out folders)
can be re-optimised under several --export-args.

Overhead = wall-clock of the adversarial run / wall-clock of plain PPO, same
task, seed and budget, measured in the same benchmark invocation.
"""

from __future__ import annotations

import argparse
import csv
import json
import shlex
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from reopt_report import pairs_from_rows, write_pairs
from reopt_report import plot as plot_pairs
from reopt_report import table as pair_table

from irl.cli import COUNT, EPISODES, SEED, STEPS
from irl.errors import IrlError
from irl.rl.presets import preset
from irl.runs.config import default_settings
from irl.runs.run_dir import (
    POLICY_FILES,
    FolderKind,
    claim,
    peak_memory_mb,
    read_episode_returns,
    write_csv_rows,
)

DEMOS = {"HalfCheetah-v5": "demos/halfcheetah-v5.npz", "Hopper-v5": "demos/hopper-v5.npz",
         "Pendulum-v1": "demos/pendulum-v1.npz"}
LEARNERS = ("gail", "airl", "gcl")
ROOT = FolderKind("benchmark", (*DEMOS, "results.csv", "results.md", "curves-*.png", "reoptimization.csv",
                                "reoptimization.md", "reoptimization.png"),
                  signature=("*-v[0-9]*", ()))  # a task's folder
"""--out: one folder per task (its cells, their logs, the rewards of --reoptimize), the reports."""
PLAIN = FolderKind("plain run", (*POLICY_FILES, "episodes.csv", "eval.json"))


EVAL_EPISODES = 20  # per BENCHMARKS.md; --eval-episodes lowers it for smoke tests
ALGO = "ppo"  # the generator of every learner and the plain baseline (--algo)
TRAIN_ARGS: list[str] = []  # passed to every irl train (--train-args)
EXPORT_ARGS: list[str] = []  # passed to every irl export of --reoptimize (--export-args)


def plain_agent(algo: str, env_id: str, seed: int, steps: int, out: Path, demos: str) -> None:
    """Plain PPO or SAC on the true reward, with the same episode log and eval as an irl run."""
    import torch

    from irl.api import scores_for
    from irl.data.demos import load_demos
    from irl.rl.policy_io import Policy, save_agent
    from irl.rl.presets import preset
    from irl.rl.sb3_adapter import train_on_true_reward
    from irl.runs.evaluation import evaluate_policy, normalized_return

    torch.set_num_threads(1)
    claim(out, PLAIN, overwrite=True)  # what a stopped attempt left goes; anything else is refused
    scores = scores_for(load_demos(demos), env_id, seed=seed)
    rows: list[tuple[int, float]] = []
    start = time.perf_counter()
    agent, venv = train_on_true_reward(env_id, algo=algo, hyper=preset(algo, env_id), seed=seed,
                                       total_steps=steps, log_episode=lambda s, r: rows.append((s, r)))
    seconds = time.perf_counter() - start
    save_agent(agent, venv, out / "policy.zip")
    with (out / "episodes.csv").open("w", newline="") as f:
        csv.writer(f).writerows([("steps", "ep_return"), *rows])
    returns, _ = evaluate_policy(Policy(out / "policy.zip"), env_id, episodes=EVAL_EPISODES, seed=seed + 100_000)
    mean = float(returns.mean())
    result = {"env_id": env_id, "learner": f"{algo}-true-reward", "return_mean": mean, "return_std": float(returns.std()),
              "normalized_return": float(normalized_return(mean, expert=scores.expert, random=scores.random)),
              "expert_return": scores.expert, "random_return": scores.random, "train_seconds": round(seconds, 2),
              "steps_per_second": round(steps / seconds, 1), "peak_memory_mb": peak_memory_mb()}
    (out / "eval.json").write_text(json.dumps(result, indent=2))


def run_cell(env_id: str, learner: str, seed: int, steps: int, root: Path) -> Path:
    out = root / env_id / f"{learner}-seed{seed}"
    if (out / "eval.json").exists():
        return out
    log = root / env_id / f"{learner}-seed{seed}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    if learner.startswith("reopt-"):
        source = root / env_id / f"{learner.removeprefix('reopt-')}-seed{seed}"
        if not (source / "eval.json").exists():
            print(f"SKIPPED {env_id} {learner} seed {seed}: {source} has not finished", flush=True)
            return out
        reward = root / env_id / f"{learner}-seed{seed}.reward"  # in this --out, beside the agent trained on it
        export = [sys.executable, "-m", "irl.cli", "export", str(source), "--out", str(reward), "--overwrite", *EXPORT_ARGS]
        retrain = [sys.executable, "-m", "irl.cli", "retrain", str(reward), "--env", env_id, "--steps", str(steps),
                   "--seed", str(seed), "--out", str(out), "--overwrite", "--no-progress",
                   "--eval-episodes", str(EVAL_EPISODES)]
        cmd = ["sh", "-c", f"{shlex.join(export)} && {shlex.join(retrain)}"]
    elif learner in ("ppo", "sac"):
        cmd = [sys.executable, __file__, "--plain", learner, env_id, str(seed), str(steps), str(out),
               str(EVAL_EPISODES)]
    else:  # a stopped run continues from its checkpoint (irl train refuses if the settings differ)
        start = "--resume" if (out / "checkpoint" / "state.json").exists() else "--overwrite"
        cmd = [sys.executable, "-m", "irl.cli", "train", learner, "--env", env_id, "--demos", DEMOS[env_id],
               "--steps", str(steps), "--seed", str(seed), "--out", str(out), start, "--no-progress",
               "--eval-episodes", str(EVAL_EPISODES), "--algo", ALGO, *TRAIN_ARGS]
    with log.open("a") as f:
        proc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        print(f"FAILED {env_id} {learner} seed {seed}: see {log}", flush=True)
    else:
        print(f"done {env_id} {learner} seed {seed}", flush=True)
    return out


def _curve(run: Path, scores: dict) -> tuple[np.ndarray, np.ndarray]:
    """(steps, normalised return) of one run, from metrics.csv or episodes.csv."""
    name = "metrics.csv" if (run / "metrics.csv").exists() else "episodes.csv"
    steps, ret = read_episode_returns(run / name)
    return steps, (ret - scores["random"]) / (scores["expert"] - scores["random"])


def _binned_mean(steps: np.ndarray, values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Mean of the episodes that ended in each step bin (NaN where none did)."""
    idx = np.clip(np.digitize(steps, edges) - 1, 0, len(edges) - 2)
    sums = np.bincount(idx, weights=values, minlength=len(edges) - 1)
    counts = np.bincount(idx, minlength=len(edges) - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def report(root: Path, envs: list[str], seeds: list[int], learners: list[str]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = []
    for env_id in envs:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for i, learner in enumerate([*learners, ALGO]):
            curves, unfinished = [], 0
            for seed in seeds:
                run = root / env_id / f"{learner}-seed{seed}"
                if (run / "eval.json").exists():
                    result = json.loads((run / "eval.json").read_text())
                    rows.append({"env": env_id, "learner": learner, "seed": seed, **{
                        k: result[k] for k in ("return_mean", "return_std", "normalized_return", "expert_return",
                                               "random_return", "train_seconds", "steps_per_second")},
                                 "peak_memory_mb": result.get("peak_memory_mb"),  # absent from older runs
                                 **_settings(root / env_id, learner, seed)})
                elif (run / "metrics.csv").exists() and (run / "scores.json").exists():  # unfinished: plot it
                    result = json.loads((run / "scores.json").read_text())
                    result = {"expert_return": result["expert"], "random_return": result["random"]}
                    unfinished += 1
                else:
                    continue
                scores = {"expert": result["expert_return"], "random": result["random_return"]}
                curves.append(_curve(run, scores))
            if curves:
                edges = np.linspace(0, max(steps.max() for steps, _ in curves), 41)
                grid = 0.5 * (edges[1:] + edges[:-1])
                c = np.array([_binned_mean(steps, norm, edges) for steps, norm in curves])
                seen = ~np.all(np.isnan(c), axis=0)  # grid points some run has reached
                c, xs = c[:, seen], grid[seen]
                label = (f"{ALGO.upper()} on true reward" if learner == ALGO else
                         f"PPO on {learner.removeprefix('reopt-').upper()}'s reward" if learner.startswith("reopt-")
                         else learner.upper())
                note = f", {unfinished} unfinished" if unfinished else ""
                seed_count = f"{len(curves)} seed{'s' if len(curves) > 1 else ''}"
                ax.plot(xs, np.nanmean(c, 0), color=f"C{i}", label=f"{label} ({seed_count}{note})")
                mean, std = np.nanmean(c, 0), np.nanstd(c, 0)
                ax.fill_between(xs, mean - std, mean + std, color=f"C{i}", alpha=0.2)
        ax.axhline(1, color="k", ls="--", lw=1)
        ax.axhline(0, color="gray", ls=":", lw=1)
        ax.set(xlabel="environment steps", ylabel="normalised return (training episodes, binned)", title=env_id)
        ax.legend()
        fig.tight_layout()
        fig.savefig(root / f"curves-{env_id}.png", dpi=110)
        plt.close(fig)

    if not rows:
        return
    write_csv_rows(root / "results.csv", rows)
    lines = ["| task | learner | seeds | normalised return (mean ± std) | per seed | true return | expert | random "
             f"| train s | overhead vs {ALGO.upper()} | peak MiB |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for env_id in envs:
        ppo_seconds = {r["seed"]: r["train_seconds"] for r in rows if r["env"] == env_id and r["learner"] == ALGO}
        for learner in [*learners, ALGO]:
            sel = [r for r in rows if r["env"] == env_id and r["learner"] == learner]
            if not sel:
                continue
            norm = np.array([r["normalized_return"] for r in sel])
            ratios = [r["train_seconds"] / ppo_seconds[r["seed"]] for r in sel if r["seed"] in ppo_seconds]
            overhead = f"{np.mean(ratios):.2f}x" if ratios and learner != ALGO else "1 (reference)" if learner == ALGO else "n/a"
            lines.append(
                f"| {env_id} | {learner} | {len(sel)} | {norm.mean():.3f} ± {norm.std():.3f} | "
                f"{', '.join(f'{x:.3f}' for x in norm)} | {np.mean([r['return_mean'] for r in sel]):.1f} | "
                f"{sel[0]['expert_return']:.1f} | {sel[0]['random_return']:.1f} | "
                f"{np.mean([r['train_seconds'] for r in sel]):.0f} | {overhead} | {_peak(sel)} |")
    (root / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    pairs = pairs_from_rows(rows)
    if pairs:  # --reoptimize: each fresh agent beside its imitator
        write_pairs(root / "reoptimization.csv", pairs)
        (root / "reoptimization.md").write_text(pair_table(pairs))
        plot_pairs(pairs, root / "reoptimization.png")
        print(pair_table(pairs), end="")


def recipe(config: dict, manifest: dict) -> str:
    """What a learner run's config.json and its reward's manifest.json set apart from irl's
    defaults, e.g. 'bc_epochs=100 ppo.learning_rate=lin_3e-4; export end_value=floor' ('' for none)."""
    defaults = default_settings()
    changed = [f"{k}={v}" for k, v in config.items() if k in defaults and k not in RECIPE_OMITS and v != defaults[k]]
    given = {k for k, source in (config.get("sources") or {}).items() if source == "command line"}
    for algo in ("ppo", "sac"):  # a config resolved from a recipe holds the task's whole table: show what differs
        task = preset(algo, config["env_id"]) if config.get("hyper_base") == "sb3" and config.get(algo) else {}
        changed += [f"{algo}.{k}={v}" for k, v in config.get(algo, {}).items()
                    if k not in task or task[k] != v or f"{algo}.{k}" in given]
    export = [f"{k}={manifest[k]}" for k, default in (("end_value", "learned"), ("reward_form", "g"))
              if manifest.get(k, default) != default]
    return "; ".join(part for part in (" ".join(changed), "export " + " ".join(export) if export else "") if part)


def _settings(folder: Path, learner: str, seed: int) -> dict:
    """recipe and steps of a learner run, or of the learner run a reopt- run's reward came from."""
    source = learner.removeprefix("reopt-")
    config_path = folder / f"{source}-seed{seed}" / "config.json"
    manifest_path = folder / f"reopt-{source}-seed{seed}.reward" / "manifest.json"
    if not config_path.is_file():  # a plain agent
        return {"recipe": "", "steps": None}
    config = json.loads(config_path.read_text())
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    return {"recipe": recipe(config, manifest), "steps": config["total_steps"]}


RECIPE_OMITS = ("learner", "env_id", "demos", "total_steps", "seed", "eval_episodes", "torch_threads", "hyper_base")


def _peak(rows: list[dict]) -> str:
    """The largest peak memory over the rows' runs, or n/a (runs from before it was recorded)."""
    peaks = [r["peak_memory_mb"] for r in rows if r.get("peak_memory_mb") is not None]
    return f"{max(peaks):.0f}" if peaks else "n/a"


def main() -> None:
    global EVAL_EPISODES, ALGO, TRAIN_ARGS, EXPORT_ARGS
    if len(sys.argv) > 1 and sys.argv[1] == "--plain":
        algo, env_id, seed, steps, out = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), Path(sys.argv[6])
        EVAL_EPISODES = int(sys.argv[7])
        plain_agent(algo, env_id, seed, steps, out, DEMOS[env_id])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--envs", nargs="+", default=["HalfCheetah-v5", "Hopper-v5"])
    parser.add_argument("--learners", nargs="+", default=list(LEARNERS), choices=LEARNERS)
    parser.add_argument("--seeds", nargs="+", type=SEED, default=[0, 1, 2])
    parser.add_argument("--steps", type=STEPS, default=1_000_000)
    parser.add_argument("--jobs", type=COUNT, default=2, help="runs in parallel (one core each)")
    parser.add_argument("--out", type=Path, default=Path("runs/benchmark"))
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--eval-episodes", type=EPISODES, default=EVAL_EPISODES,
                        help="final evaluation episodes per run (BENCHMARKS.md asks for at least 20)")
    parser.add_argument("--reoptimize", action="store_true",
                        help="then export each learner's reward and train fresh PPO on it (same budget)")
    parser.add_argument("--skip-ppo", action="store_true",
                        help="no plain-agent cells (no ceiling or overhead for seeds not yet run)")
    parser.add_argument("--algo", choices=["ppo", "sac"], default="ppo",
                        help="generator of every learner, and the plain baseline")
    parser.add_argument("--train-args", default="", help="extra irl train arguments, one string")
    parser.add_argument("--export-args", default="",
                        help="extra irl export arguments for --reoptimize, one string (e.g. \"--end-value floor\")")
    args = parser.parse_args()
    EVAL_EPISODES, ALGO, TRAIN_ARGS = args.eval_episodes, args.algo, shlex.split(args.train_args)
    EXPORT_ARGS = shlex.split(args.export_args)
    unknown = [e for e in args.envs if e not in DEMOS]
    if unknown:
        parser.error(f"no demos for {', '.join(unknown)}; tasks: {', '.join(DEMOS)}")
    try:
        claim(args.out, ROOT, keep=True)
    except IrlError as exc:
        parser.error(str(exc))
    if not args.report_only:
        baseline = [] if args.skip_ppo else [ALGO]
        cells = [(e, l, s) for e in args.envs for s in args.seeds for l in [*args.learners, *baseline]]
        with ThreadPoolExecutor(args.jobs) as pool:
            list(pool.map(lambda c: run_cell(*c, args.steps, args.out), cells))
        if args.reoptimize:  # needs the learners' runs finished
            cells = [(e, f"reopt-{l}", s) for e in args.envs for s in args.seeds for l in args.learners]
            with ThreadPoolExecutor(args.jobs) as pool:
                list(pool.map(lambda c: run_cell(*c, args.steps, args.out), cells))
    reopt = [f"reopt-{l}" for l in args.learners
             if any((args.out / e / f"reopt-{l}-seed{s}").exists() for e in args.envs for s in args.seeds)]
    report(args.out, args.envs, args.seeds, [*args.learners, *reopt])


if __name__ == "__main__":
    main()
