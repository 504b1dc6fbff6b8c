"""What keeps a behaviour-cloned policy alive under PPO (docs/notes/2026-11-28-halfcheetah-warm-start.md).

Clones the demos into the task's PPO preset policy (irl.rl.pretrain.behaviour_clone), then
either evaluates the clone, or runs PPO on the *true* reward for --steps and prints the
return of every episode, with the actor and/or the observation statistics held:

    python scripts/probe_bc_hold.py HalfCheetah-v5 demos/halfcheetah-v5.npz --epochs 100 --evaluate 3
    python scripts/probe_bc_hold.py HalfCheetah-v5 D.npz --steps 6144                      # PPO as is
    python scripts/probe_bc_hold.py HalfCheetah-v5 D.npz --steps 6144 --freeze-actor 6144  # statistics running
    python scripts/probe_bc_hold.py HalfCheetah-v5 D.npz --steps 30720 --freeze-stats --freeze-actor 10240
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import torch
from stable_baselines3.common.vec_env import VecNormalize

from irl.data.demos import load_demos
from irl.rl.presets import preset
from irl.rl.pretrain import actor_parameters, behaviour_clone
from irl.rl.sb3_adapter import Generator
from irl.runs.evaluation import rollout_returns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("env")
    parser.add_argument("demos")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--evaluate", type=int, default=0, help="stochastic episodes of the clone (no PPO)")
    parser.add_argument("--steps", type=int, default=0, help="PPO steps on the true reward after cloning")
    parser.add_argument("--freeze-stats", action="store_true", help="hold VecNormalize at the demos' statistics")
    parser.add_argument("--freeze-actor", type=int, default=0, help="steps with the actor frozen (critic learns)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)

    gen = Generator(args.env, hyper=preset("ppo", args.env), seed=args.seed)
    print(behaviour_clone(gen, load_demos(args.demos).transitions, epochs=args.epochs, seed=args.seed))
    normalized = gen.venv.normalize_obs if isinstance(gen.venv, VecNormalize) else (lambda o: o)
    if args.evaluate:  # episode i reset with seed 100 + i
        returns, _ = rollout_returns(lambda o: gen.agent.policy.predict(normalized(o), deterministic=False)[0],
                                     args.env, episodes=args.evaluate, seed=100)
        print("clone:", np.round(returns, 1))
    if not args.steps:
        return
    if args.freeze_stats and isinstance(gen.venv, VecNormalize):
        gen.venv.training = False
    returns: list[float] = []

    def true_reward(transitions, episode_returns):
        returns.extend(episode_returns)
        return transitions.rews.astype(np.float32)

    actor = actor_parameters(gen.agent.policy)
    if args.freeze_actor:
        for param in actor:
            param.requires_grad_(False)
        gen.learn(min(args.freeze_actor, args.steps), true_reward)
        print(f"actor frozen for {gen.steps_done} steps:", np.round(returns, 0))
        returns.clear()
        for param in actor:
            param.requires_grad_(True)
    if gen.steps_done < args.steps:
        gen.learn(args.steps, true_reward)
        print(f"PPO to {gen.steps_done} steps:", np.round(returns, 0))


if __name__ == "__main__":
    main()
