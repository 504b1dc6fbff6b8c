"""Do rewards that fail to teach disagree with the true reward where a learner goes?

    python scripts/path_agreement.py runs/r22 runs/r22-final --task Pendulum-v1 --steps 120000 \\
        --every 8192 --cache runs/pendulum-path.npz --out docs/notes/judge-study/path-agreement

The path: PPO (the task's preset) trained on the true reward, stopped every EVERY steps up to
STEPS, each stop's policy rolled out for EPISODES stochastic episodes. The policies a learner passes through on its way to the expert, from
random to good, are the reference policies a probe would use. With ``--cache FILE`` the
rollouts are kept there and reused by the next call.

For every re-optimised reward of the task under the folders (``TASK/reopt-NAME.reward`` with
its fresh agent's eval.json, as in scripts/judge_study.py): its agreement with the true
reward along the path, the Spearman rank correlation of the stops' mean learned episode
return with their mean true one (+1: it orders the learner's policies as the task does).
Writes OUT.csv (one row per reward with the fresh agent's final normalised return) and OUT.md
(agreement of the rewards that teach, >= 0.8, and of those that do not; and the rank
correlation of agreement with the final return over all rewards).
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np
from judge_study import found_rewards, write_study

TEACHES = 0.8
"""A fresh agent's final normalised return from which a reward counts as teaching."""


def record_path(env_id: str, *, steps: int, every: int, episodes: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Rollouts of PPO's policies on the true reward every ``every`` steps up to ``steps``:
    obs, acts, next_obs (N, ...), terminated (N,), rews (N,), stop and episode (N,) indices."""
    import torch

    from irl.data.demos import record_episodes
    from irl.data.types import Transitions
    from irl.rl.presets import preset
    from irl.rl.sb3_adapter import make_env, train_on_true_reward

    torch.set_num_threads(1)
    agent, venv = train_on_true_reward(env_id, algo="ppo", hyper=preset("ppo", env_id), seed=seed, total_steps=every)
    env = make_env(env_id)

    def act(obs: np.ndarray) -> np.ndarray:
        scaled = venv.normalize_obs(obs) if hasattr(venv, "normalize_obs") else obs
        action, _ = agent.predict(scaled, deterministic=False)
        return np.clip(action, env.action_space.low, env.action_space.high)

    recorded = []
    for stop in range(steps // every):
        if stop:
            agent.learn(total_timesteps=every, reset_num_timesteps=False)
        recorded.append(record_episodes(act, env, episodes=episodes, seed=seed + 1000 * stop))
    env.close()
    path = Transitions.concatenate(recorded)
    out = {k: getattr(path, k) for k in ("obs", "acts", "next_obs", "terminated", "rews")}
    out["episode"] = np.concatenate([np.full(s.stop - s.start, i) for i, s in enumerate(path.episode_slices())])
    out["stop"] = out["episode"] // episodes  # each stop recorded ``episodes`` whole episodes
    return out


def agreement(reward, path: dict[str, np.ndarray]) -> float:  # noqa: ANN001 - a batched reward callable
    """Spearman rank correlation, over the path's stops, of the mean learned episode return
    with the mean true one. ``reward(obs, acts, next_obs, done)`` -> (N,)."""
    from irl.rewards.judge import spearman

    learned = np.asarray(reward(path["obs"].astype(np.float32), path["acts"], path["next_obs"].astype(np.float32),
                                path["terminated"].astype(np.float32)), np.float64)
    episodes = path["episode"]
    per_episode = {name: np.bincount(episodes, weights=x) for name, x in (("learned", learned),
                                                                          ("true", path["rews"]))}
    stop_of_episode = np.zeros(episodes.max() + 1, int)
    stop_of_episode[episodes] = path["stop"]
    stops = np.unique(stop_of_episode)
    means = {name: np.array([v[stop_of_episode == s].mean() for s in stops]) for name, v in per_episode.items()}
    return spearman(means["learned"], means["true"])


def table(rows: list[dict]) -> str:
    """Agreement of the rewards that teach beside those that do not, and its rank correlation
    with the final return."""
    from irl.rewards.judge import spearman

    final = np.array([r["final"] for r in rows])
    agree = np.array([r["agreement"] for r in rows])
    lines = ["| rewards | count | agreement along the path: median | min | max |", "|---|---|---|---|---|"]
    for name, chosen in ((f"teach (fresh agent >= {TEACHES})", final >= TEACHES),
                         (f"do not (< {TEACHES})", final < TEACHES)):
        if chosen.any():
            a = agree[chosen]
            lines.append(f"| {name} | {int(chosen.sum())} | {np.median(a):+.2f} | {a.min():+.2f} | {a.max():+.2f} |")
    return ("\n".join(lines) + f"\n\nSpearman of the agreement with the fresh agent's final return: "
            f"{spearman(agree, final):+.2f} ({len(rows)} rewards).\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", type=Path, help="sweep or benchmark folders with --reoptimize runs")
    parser.add_argument("--task", required=True, help="the env id whose rewards are scored")
    parser.add_argument("--steps", type=int, required=True, help="PPO steps on the true reward along the path")
    parser.add_argument("--every", type=int, required=True, help="steps between the path's stops")
    parser.add_argument("--episodes", type=int, default=4, help="episodes per stop")
    parser.add_argument("--cache", type=Path, default=None, help="an .npz keeping the path's rollouts for reuse")
    parser.add_argument("--out", type=Path, required=True, help="writes OUT.csv and OUT.md")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    from irl.api import load_reward

    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.cache is not None and args.cache.is_file():
        path = dict(np.load(args.cache))
    else:
        path = record_path(args.task, steps=args.steps, every=args.every, episodes=args.episodes)
        if args.cache is not None:
            np.savez_compressed(args.cache, **path)
    rows = []
    for reward in found_rewards(args.folders):
        if reward.parent.name != args.task:
            continue
        final = json.loads((reward.with_suffix("") / "eval.json").read_text())["normalized_return"]
        rows.append({"reward": str(reward), "final": final, "agreement": agreement(load_reward(reward), path)})
    if not rows:
        raise SystemExit(f"path_agreement: no re-optimised {args.task} reward under {', '.join(map(str, args.folders))}")
    write_study(args.out, rows, list(rows[0]), table(rows))


if __name__ == "__main__":
    main()
