"""How much a learned reward costs downstream: per-call latency of each engine, and the
wall-clock of re-optimisation against plain PPO on the true reward, in one run.

    python scripts/reward_speed.py runs/.../reward --env HalfCheetah-v5 --steps 30000

Per call: mean microseconds of ``reward(obs, acts, next_obs, done)`` on a batch of one
(what LearnedRewardWrapper and LearnedRewardVecEnv send each step with one env) and of
256, for ``load_reward(engine='torch')`` and ``engine='onnx'``. Then PPO with the task's
preset for --steps on (a) the true reward, (b) the reward under torch, (c) the reward
under ONNX Runtime, interleaved --repeats times so that the machine's load falls alike
on each; reports each one's wall-clock and CPU seconds (the process's own, steadier
when other jobs share the cores) and their ratios to (a). 1 torch thread.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from irl.rewards.artifact import load_reward
from irl.rl.presets import preset
from irl.rl.sb3_adapter import make_env, train_on_true_reward


def per_call_us(reward, obs: np.ndarray, acts: np.ndarray, calls: int) -> float:
    done = np.zeros(len(obs), np.float32)
    for _ in range(calls // 10):  # warm up
        reward(obs, acts, obs, done)
    start = time.perf_counter()
    for _ in range(calls):
        reward(obs, acts, obs, done)
    return (time.perf_counter() - start) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("reward", help="a reward artifact folder (irl export)")
    parser.add_argument("--env", required=True)
    parser.add_argument("--steps", type=int, default=30_000)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(1)
    engines = {name: load_reward(args.reward, engine=name) for name in ("torch", "onnx")}

    env = make_env(args.env)
    env.observation_space.seed(0)
    env.action_space.seed(0)
    print("| engine | µs per call, batch 1 | µs per call, batch 256 |\n|---|---|---|")
    for name, reward in engines.items():
        row = [name]
        for batch, calls in ((1, 5000), (256, 500)):
            obs = np.stack([env.observation_space.sample() for _ in range(batch)])
            acts = np.stack([env.action_space.sample() for _ in range(batch)])
            row.append(f"{per_call_us(reward, obs, acts, calls):.1f}")
        print("| " + " | ".join(row) + " |")
    env.close()

    hyper = preset("ppo", args.env)
    wall: dict[str, list[float]] = {"true reward": [], "torch": [], "onnx": []}
    cpu: dict[str, list[float]] = {name: [] for name in wall}
    for _ in range(args.repeats):
        for name in wall:
            start, start_cpu = time.perf_counter(), time.process_time()
            train_on_true_reward(args.env, algo="ppo", hyper=hyper, seed=0, total_steps=args.steps,
                                 reward=engines.get(name))
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - start_cpu)
    print(f"\nPPO, {args.env}, {args.steps} steps, {args.repeats} interleaved repeats\n")
    print("| reward | wall s (each repeat) | ratio | CPU s (each repeat) | ratio |\n|---|---|---|---|---|")
    for name in wall:
        cells = [f"{', '.join(f'{t:.1f}' for t in d[name])} | {np.mean(d[name]) / np.mean(d['true reward']):.2f}x"
                 for d in (wall, cpu)]
        print(f"| {name} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
