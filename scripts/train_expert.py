"""Train an SB3 expert with tuned hyperparameters and save it.

    python scripts/train_expert.py HalfCheetah-v5                  # PPO, rl-zoo3 settings, 1M steps
    python scripts/train_expert.py Hopper-v5 --algo sac --steps 250000
    python scripts/train_expert.py Pendulum-v1 --algo sac --steps 20000
    python scripts/train_expert.py Hopper-v5 --algo ppo --hyper n_epochs=10 --hyper learning_rate=3e-4
    python scripts/train_expert.py Hopper-v5 --algo sac --steps 200000 \
        --continue-from runs/experts/Hopper-v5/sac.zip --out runs/experts-450k   # 200k more
    python scripts/train_expert.py Ant-v5 --algo sac --steps 1000000 --checkpoint-every 50000
    python scripts/train_expert.py Ant-v5 --algo sac --evaluate-only --checkpoint   # the agent so far

Writes OUT/ENV/ALGO.zip (an ordinary SB3 model), its observation statistics
(ALGO.obs_norm.npz, pickle-free) when the preset normalises observations,
ALGO.json with the settings and an evaluation of the stochastic policy, and
ALGO.episodes.csv with the step and true return of every training episode.
While training: a progress bar, a line with the mean return of the last 20
episodes every --log-every steps (readable in a log file), and SB3's
TensorBoard scalars in OUT/ENV/tb.
Record demonstrations from it with ``irl collect``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from irl.cli import hyper_override
from irl.rl.policy_io import Policy, save_agent
from irl.rl.presets import preset
from irl.rl.sb3_adapter import train_on_true_reward
from irl.runs.evaluation import evaluate_policy
from irl.runs.run_dir import write_csv_rows

DEFAULT_ALGO = {"Hopper-v5": "sac", "Pendulum-v1": "sac", "Walker2d-v5": "sac"}
DEFAULT_STEPS = {"ppo": 1_000_000, "sac": 250_000}


class ProgressLines:
    """Prints the step, the elapsed time and the mean return of the last 20 episodes
    every ``every`` env steps (a log file shows no progress bar)."""

    def __init__(self, every: int, start: float) -> None:
        self.every, self.start, self.next_at = every, start, every
        self.episodes: list[dict[str, float]] = []  # every training episode: step, return

    def __call__(self, step: int, episode_return: float) -> None:
        self.episodes.append({"steps": step, "ep_return": episode_return})
        if step >= self.next_at:
            self.next_at = (step // self.every + 1) * self.every
            recent = [e["ep_return"] for e in self.episodes[-20:]]
            print(f"step {step}: {time.perf_counter() - self.start:.0f} s, mean return of the last "
                  f"{len(recent)} episodes {np.mean(recent):.1f}", flush=True)


def save_checkpoint(agent, venv, path: Path, progress: ProgressLines) -> None:
    """The agent so far and its training episodes, beside where the finished expert goes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    save_agent(agent, venv, path)
    if progress.episodes:
        write_csv_rows(path.with_suffix(".episodes.csv"), progress.episodes)
    card = {"steps": int(agent.num_timesteps), "train_seconds": round(time.perf_counter() - progress.start, 1)}
    path.with_suffix(".json").write_text(json.dumps(card, indent=2))
    print(f"checkpoint at step {agent.num_timesteps}: {path}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("env")
    parser.add_argument("--algo", choices=["ppo", "sac"], default=None, help="default: per env (sac for Hopper/Pendulum, else ppo)")
    parser.add_argument("--steps", type=int, default=None, help="default: 1M for ppo, 250k for sac")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("runs/experts"))
    parser.add_argument("--eval-episodes", type=int, default=20)
    parser.add_argument("--continue-from", type=Path, default=None,
                        help="an expert this script saved, to train for --steps more (fresh replay buffer)")
    parser.add_argument("--evaluate-only", action="store_true", help="re-evaluate a saved expert, no training")
    parser.add_argument("--checkpoint-every", type=int, default=None, metavar="STEPS",
                        help="also save OUT/ENV/ALGO.checkpoint.zip every STEPS env steps (a long run stopped "
                             "early leaves its latest agent; evaluate it with --evaluate-only --checkpoint)")
    parser.add_argument("--checkpoint", action="store_true",
                        help="with --evaluate-only: evaluate ALGO.checkpoint.zip instead of ALGO.zip")
    parser.add_argument("--log-every", type=int, default=50_000, help="env steps between progress lines")
    parser.add_argument("--hyper", action="append", default=[], metavar="KEY=VALUE", type=hyper_override,
                        help="override an entry of the tuned preset, value as JSON (e.g. --hyper n_epochs=10)")
    args = parser.parse_args()

    torch.set_num_threads(1)
    algo = args.algo or DEFAULT_ALGO.get(args.env, "ppo")
    steps = args.steps or DEFAULT_STEPS[algo]
    hyper = {**preset(algo, args.env), **dict(args.hyper)}
    out = args.out / args.env
    path = out / f"{algo}.zip"
    checkpoint_path = out / f"{algo}.checkpoint.zip"
    if args.checkpoint and not args.evaluate_only:
        parser.error("--checkpoint evaluates a saved checkpoint: use it with --evaluate-only")
    seconds = None
    if args.checkpoint:  # the card says how far the checkpoint had trained
        path = checkpoint_path
        saved = json.loads(path.with_suffix(".json").read_text())
        steps, seconds = saved["steps"], saved["train_seconds"]
    if not args.evaluate_only:
        start = time.perf_counter()
        progress = ProgressLines(args.log_every, start)
        agent, venv = train_on_true_reward(args.env, algo=algo, hyper=hyper, seed=args.seed, total_steps=steps,
                                           progress_bar=True, continue_from=args.continue_from,
                                           log_episode=progress,
                                           tensorboard_log=str(out / "tb"),
                                           checkpoint=None if args.checkpoint_every is None else (
                                               lambda agent, venv: save_checkpoint(agent, venv, checkpoint_path,
                                                                                   progress),
                                               args.checkpoint_every))
        seconds = round(time.perf_counter() - start, 1)
        out.mkdir(parents=True, exist_ok=True)
        save_agent(agent, venv, path)
        if progress.episodes:
            write_csv_rows(out / f"{algo}.episodes.csv", progress.episodes)
    returns, lengths = evaluate_policy(Policy(path), args.env, episodes=args.eval_episodes, seed=10_000 + args.seed)
    card = {
        "env_id": args.env, "algo": algo, "steps": steps,
        "continued_from": str(args.continue_from) if args.continue_from else None,
        "seed": args.seed, "hyperparameters": hyper,
        "train_seconds": seconds,
        "eval_stochastic": {"episodes": len(returns), "mean": float(np.mean(returns)), "std": float(np.std(returns)),
                            "min": float(np.min(returns)), "max": float(np.max(returns)),
                            "mean_length": float(np.mean(lengths))},
    }
    path.with_suffix(".json").write_text(json.dumps(card, indent=2))
    print(json.dumps(card["eval_stochastic"]))


if __name__ == "__main__":
    main()
