"""AIRL's transfer experiment (Fu, Luo, Levine 2018, sec. 7.1, Table 1) on irl's envs.

    python scripts/transfer.py --task maze --seeds 0 1 2 --steps 300000 --jobs 2
    python scripts/transfer.py --task ant --seeds 0 --steps 1000000 --learners airl-state-only gail

For each seed: learn a reward from the demos of the training variant (maze: gap
on the left; ant: the intact ant) with AIRL state-only, AIRL state-action, GAIL
and GCL (``irl train``), export it, train a fresh PPO agent on it alone on the
test variant (maze: gap on the right; ant: front legs halved and weak;
``irl retrain``), and score that agent by the test variant's true reward.
Beside them: PPO on the test variant's true reward, and the GAIL policy moved
to the test variant as it is. Every cell runs in its own process, ``--jobs`` at
a time, and is skipped when already done (the script resumes).

Writes to --out, per learner and seed: the run (NAME-seedS/), its exported reward
(NAME-seedS.reward/), the reward judged on the training variant (NAME-seedS.judge/),
the fresh agent on the test variant (NAME-seedS-target/) and a log of each step; PPO
on the test variant's true reward (true-reward-seedS/); then results.md /
results.csv (true return on the test variant, mean ± std over seeds, with the
paper's Table 1), transfer.png (the same as bars), curves.png (true return on the
test variant while each agent trains) and, for the maze, heatmaps.png (each learned
reward over the maze plane, beside the true reward).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from irl.cli import COUNT, SEED, STEPS
from irl.errors import IrlError
from irl.runs.run_dir import FolderKind, claim, read_episode_returns, write_csv_rows

LEARNERS = {  # name: irl train arguments
    "airl-state-only": ["airl", "--state-only"],
    "airl-state-action": ["airl", "--no-state-only"],
    "gail": ["gail"],
    "gcl": ["gcl"],
    # the energy on raw observations instead of demo-standardised ones (see docs/transfer.md)
    "airl-state-only-raw": ["airl", "--state-only", "--energy-obs-norm", "none"],
    "airl-state-action-raw": ["airl", "--no-state-only", "--energy-obs-norm", "none"],
}


@dataclass(frozen=True)
class Task:
    source: str  # env id the demos and rewards come from
    target: str  # env id with the changed dynamics
    demos: str
    description: str  # what the table's rows were learned on and scored on
    # Fu et al. 2018, Table 1, keyed like the rows here: GAN-GCL is "gcl", the paper's
    # "GAIL, policy transfer" is "gail-policy", "TRPO, ground truth" is "true-reward".
    paper: dict[str, float] = field(default_factory=dict)
    judge_args: tuple[str, ...] = ()  # extra `irl judge` arguments (the maze's heat map)


TASKS = {
    "maze": Task("irl/PointMazeLeft-v0", "irl/PointMazeRight-v0", "demos/pointmaze-left.npz",
                 "reward learned on the left-gap maze, evaluated on the right-gap maze",
                 {"airl-state-only": -8.82, "airl-state-action": -31.2, "gcl": -40.2,
                  "gail-policy": -29.9, "true-reward": -8.45},
                 ("--heatmap", "0", "1", "--heatmap-range", "0", "0.6", "-0.05", "0.55")),
    "ant": Task("irl/CustomAnt-v0", "irl/DisabledAnt-v0", "demos/customant-v0.npz",
                "reward learned on the intact ant, evaluated on the disabled ant",
                {"airl-state-only": 130.3, "airl-state-action": -41.4, "gcl": -44.8,
                 "gail-policy": -58.8, "true-reward": 315.5}),
}
IRL = [sys.executable, "-m", "irl.cli"]
ROOT = FolderKind("transfer experiment", (*(f"{name}-seed*" for name in (*LEARNERS, "true-reward")), "results.csv",
                                          "results.md", "transfer.png", "curves.png", "heatmaps.png"),
                  signature=("*-seed[0-9]*", ()))  # a cell


def run(cmd: list[str], log: Path) -> bool:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as f:
        ok = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, check=False).returncode == 0
    print(f"{'done' if ok else 'FAILED (see ' + str(log) + ')'}: {' '.join(cmd[3:6])}", flush=True)
    return ok


def learn_and_transfer(task: Task, root: Path, name: str, seed: int, steps: int, episodes: int) -> None:
    """Learn a reward on the training variant, export and judge it, re-optimise it on the test one;
    ``episodes``: of each evaluation and of each policy the judge rolls out."""
    source, out = root / f"{name}-seed{seed}", root / f"{name}-seed{seed}-target"
    if not (source / "eval.json").exists():
        run([*IRL, "train", *LEARNERS[name], "--env", task.source, "--demos", task.demos, "--steps", str(steps),
             "--seed", str(seed), "--out", str(source), "--eval-episodes", str(episodes), "--overwrite", "--no-progress"],
            source.with_suffix(".log"))
    if (out / "eval.json").exists() or not (source / "eval.json").exists():
        return
    reward, judged = root / f"{name}-seed{seed}.reward", root / f"{name}-seed{seed}.judge"
    if run([*IRL, "export", str(source), "--out", str(reward), "--overwrite"], root / f"{name}-seed{seed}.export.log"):
        run([*IRL, "judge", str(reward), "--env", task.source, "--demos", task.demos, *task.judge_args,
             "--episodes", str(episodes), "--out", str(judged), "--overwrite"], root / f"{name}-seed{seed}.judge.log")
        run([*IRL, "retrain", str(reward), "--env", task.target, "--steps", str(steps), "--seed", str(seed),
             "--out", str(out), "--eval-episodes", str(episodes), "--overwrite", "--no-progress"], out.with_suffix(".log"))


def true_reward(task: Task, root: Path, seed: int, steps: int, episodes: int) -> None:
    out = root / f"true-reward-seed{seed}"
    if not (out / task.target / "ppo.json").exists():
        run([sys.executable, "scripts/train_expert.py", task.target, "--algo", "ppo", "--steps", str(steps),
             "--seed", str(seed), "--out", str(out), "--eval-episodes", str(episodes)], out.with_suffix(".log"))


def gail_policy_moved(task: Task, root: Path, seed: int, episodes: int) -> float | None:
    """True return on the test variant of the GAIL policy trained on the training one, as it is."""
    from irl.rl.policy_io import Policy
    from irl.runs.evaluation import evaluate_policy

    policy = root / f"gail-seed{seed}" / "policy.zip"
    if not policy.exists():
        return None
    returns, _ = evaluate_policy(Policy(policy), task.target, episodes=episodes, seed=seed + 100_000)
    return float(returns.mean())


def report(task: Task, root: Path, seeds: list[int], episodes: int) -> None:
    rows = []
    for seed in seeds:
        for name in LEARNERS:
            path = root / f"{name}-seed{seed}-target" / "eval.json"
            if path.exists():
                rows.append({"method": f"{name} reward, PPO re-optimised", "key": name, "seed": seed,
                             "return": json.loads(path.read_text())["return_mean"]})
        path = root / f"true-reward-seed{seed}" / task.target / "ppo.json"
        if path.exists():
            rows.append({"method": "PPO on the true reward", "key": "true-reward", "seed": seed,
                         "return": json.loads(path.read_text())["eval_stochastic"]["mean"]})
        moved = gail_policy_moved(task, root, seed, episodes)
        if moved is not None:
            rows.append({"method": "GAIL policy, moved as it is", "key": "gail-policy", "seed": seed, "return": moved})
    if not rows:
        print("nothing finished yet")
        return
    write_csv_rows(root / "results.csv", rows)
    lines = [f"| method ({task.description}) | seeds | "
             "true return, mean ± std | per seed | AIRL paper, Table 1 |", "|---|---|---|---|---|"]
    summary = {}
    for method in dict.fromkeys(r["method"] for r in rows):
        sel = [r for r in rows if r["method"] == method]
        values = np.array([r["return"] for r in sel])
        summary[method] = values
        paper = task.paper.get(sel[0]["key"].removesuffix("-raw"))
        lines.append(f"| {method} | {len(values)} | {values.mean():.2f} ± {values.std():.2f} | "
                     f"{', '.join(f'{v:.2f}' for v in values)} | {'' if paper is None else paper} |")
    (root / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    _plots(task, root, summary, seeds)


def _plots(task: Task, root: Path, summary: dict[str, np.ndarray], seeds: list[int]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    fig, ax = plt.subplots(figsize=(8, 4))
    names = list(summary)
    ax.barh(names, [v.mean() for v in summary.values()], xerr=[v.std() for v in summary.values()], color="C0")
    ax.set(xlabel=f"true return on {task.target} (higher is better)", title=f"Reward transfer, {task.source} to {task.target}")
    fig.tight_layout()
    fig.savefig(root / "transfer.png", dpi=110)
    plt.close(fig)

    _curves(task, root, seeds, plt)

    maps = [(name, next((p for p in (root / f"{name}-seed{seeds[0]}.judge" / "heatmap.png",
                                      root / f"{name}-seed{seeds[0]}" / "judge" / "heatmap.png")  # older layout
                         if p.exists()), None)) for name in LEARNERS]
    maps = [(n, p) for n, p in maps if p is not None]
    if maps:
        cols = 4
        rows = -(-(len(maps) + 1) // cols)
        fig, axes = plt.subplots(rows, cols, figsize=(4.5 * cols, 3.9 * rows), squeeze=False)
        axes = axes.ravel()
        _true_map(axes[0])
        for ax, (name, path) in zip(axes[1:], maps):
            ax.imshow(Image.open(path))
            ax.set_title(name)
            ax.axis("off")
        for ax in axes[len(maps) + 1:]:
            ax.axis("off")
        fig.tight_layout()
        fig.savefig(root / "heatmaps.png", dpi=110)
        plt.close(fig)


def _curves(task: Task, root: Path, seeds: list[int], plt) -> None:
    """curves.png: true return on the test variant over training, for each re-optimised
    reward and for PPO on the true reward (running mean of 20 episodes, one line per seed)."""
    sources = {f"{name} reward": [root / f"{name}-seed{s}-target" / "metrics.csv" for s in seeds] for name in LEARNERS}
    sources["true reward"] = [root / f"true-reward-seed{s}" / task.target / "ppo.episodes.csv" for s in seeds]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for i, (label, paths) in enumerate(sources.items()):
        for path in (p for p in paths if p.exists()):
            steps, returns = read_episode_returns(path)
            if len(returns) < 2:
                continue
            window = min(20, len(returns))
            smooth = np.convolve(returns, np.ones(window) / window, mode="valid")
            ax.plot(steps[window - 1:], smooth, color=f"C{i}", label=label, lw=1.2)
            label = None  # one legend entry per method
    if not ax.lines:
        plt.close(fig)
        return
    ax.set(xlabel="env steps of the fresh PPO agent", ylabel=f"true return on {task.target}",
           title="Re-optimisation on the test variant (running mean of 20 episodes)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(root / "curves.png", dpi=110)
    plt.close(fig)


def _true_map(ax) -> None:
    from irl.envs.point_maze import TARGET as GOAL

    xs, ys = np.linspace(0, 0.6, 80), np.linspace(-0.05, 0.55, 80)
    gx, gy = np.meshgrid(xs, ys)
    ax.pcolormesh(xs, ys, -np.hypot(gx - GOAL[0], gy - GOAL[1]), shading="auto", cmap="viridis")
    ax.plot([0.2, 0.6], [0.3, 0.3], "w-", lw=3, label="left-gap wall")
    ax.plot([0.0, 0.4], [0.3, 0.3], "r--", lw=2, label="right-gap wall")
    ax.legend(loc="lower left", fontsize=7)
    ax.set(title="true reward -||pos - target||", xlabel="x", ylabel="y")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", choices=list(TASKS), default="maze")
    parser.add_argument("--seeds", nargs="+", type=SEED, default=[0, 1, 2])
    parser.add_argument("--steps", type=STEPS, default=300_000, help="env steps of each learner and each PPO agent")
    parser.add_argument("--jobs", type=COUNT, default=2)
    parser.add_argument("--learners", nargs="+", default=list(LEARNERS), choices=list(LEARNERS))
    parser.add_argument("--out", type=Path, default=None, help="default: runs/transfer-TASK")
    parser.add_argument("--eval-episodes", type=COUNT, default=20,
                        help="episodes of each evaluation and of each policy the judge rolls out")
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    task, out = TASKS[args.task], args.out or Path(f"runs/transfer-{args.task}")
    try:
        claim(out, ROOT, keep=True)
    except IrlError as exc:
        parser.error(str(exc))
    if not args.report_only:
        with ThreadPoolExecutor(args.jobs) as pool:
            jobs = [pool.submit(learn_and_transfer, task, out, n, s, args.steps, args.eval_episodes)
                    for s in args.seeds for n in args.learners]
            jobs += [pool.submit(true_reward, task, out, s, args.steps, args.eval_episodes) for s in args.seeds]
            [j.result() for j in jobs]
    report(task, out, args.seeds, args.eval_episodes)


if __name__ == "__main__":
    main()
