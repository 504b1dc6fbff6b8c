"""Plumbing check: PPO on the TRUE reward, plainly vs. through irl's generator.

    python scripts/check_relabel_path.py plain HalfCheetah-v5 150000
    python scripts/check_relabel_path.py generator HalfCheetah-v5 150000

'generator' hands SB3 a reward of 0, relabels each finished rollout in one batch
with the env's own reward, scaled by irl's RewardScaler, exactly as adversarial
training does with a learned reward. Both should learn alike; prints seconds and
the last 10 training-episode returns.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import torch

from irl.rl.presets import preset
from irl.rl.sb3_adapter import Generator, train_on_true_reward
from irl.runs.trainer import RewardScaler


def main() -> None:
    which, env_id, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    torch.set_num_threads(1)
    hyper = preset("ppo", env_id)
    returns: list[float] = []
    start = time.perf_counter()
    if which == "plain":
        train_on_true_reward(env_id, algo="ppo", hyper=hyper, seed=0, total_steps=steps,
                             log_episode=lambda _, r: returns.append(r))
    elif which == "generator":
        gen = Generator(env_id, hyper=hyper, seed=0)
        n_envs = gen.recorder.num_envs
        scaler = RewardScaler(n_envs, gen.gamma)

        def true_reward(t, episode_returns):
            returns.extend(episode_returns)
            scaled, _ = scaler(t.rews.reshape(-1, n_envs).astype(np.float64), t.episode_end.reshape(-1, n_envs))
            return scaled.ravel().astype(np.float32)

        gen.learn(steps, true_reward)
    else:
        raise SystemExit("first argument: plain or generator")
    print(which, f"{time.perf_counter() - start:.0f} s", "last 10 episodes:", [round(r) for r in returns[-10:]])


if __name__ == "__main__":
    main()
