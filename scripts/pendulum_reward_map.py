"""Where does a learned Pendulum-v1 reward pay most? Maps over the pendulum's phase plane.

    python scripts/pendulum_reward_map.py REWARD... FOLDER... --plot 5 --out docs/notes/judge-study/pendulum-reward-maps

Each REWARD is an exported reward ``TASK/reopt-NAME.reward`` beside its fresh agent
``TASK/reopt-NAME/`` (whose eval.json gives the re-optimised return); each FOLDER stands for
every finished Pendulum-v1 re-optimisation under it (as scripts/judge_study.py finds them),
after the rewards named, each reward once. For the first ``--plot``
rewards, OUT.png draws the reward of each state over angle (0 = upright) x angular velocity,
with zero torque, over the shipped demos' states. OUT.md lists, per reward, where the demo
steps it pays most (its top 5%) lie: near the goal (upright and still) or in the swing-up,
and counts, among rewards that teach (re-optimised >= 0.5) and those that do not, the ones
whose top demo steps are at the goal (mean |angle| < 0.1 rad).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

DEMOS = Path(__file__).resolve().parents[1] / "demos" / "pendulum-v1.npz"


def state_reward(reward, angle: np.ndarray, speed: np.ndarray) -> np.ndarray:
    """(N,) learned reward of states (angle, angular velocity) with zero torque, next state = state."""
    obs = np.stack([np.cos(angle), np.sin(angle), speed], axis=1).astype(np.float32)
    n = len(obs)
    return reward(obs, np.zeros((n, 1), np.float32), obs, np.zeros(n, bool))


def top_demo_states(reward, demos, share: float = 0.05) -> tuple[float, float]:
    """Mean |angle| and |angular velocity| of the demo steps in the reward's top ``share``."""
    t = demos.transitions
    paid = reward(t.obs.astype(np.float32), t.acts, t.next_obs.astype(np.float32), np.zeros(len(t.obs), bool))
    top = np.argsort(paid)[-max(1, int(share * len(paid))):]
    angle = np.abs(np.arctan2(t.obs[top, 1], t.obs[top, 0]))
    return float(angle.mean()), float(np.abs(t.obs[top, 2]).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rewards", nargs="+", type=Path)
    parser.add_argument("--plot", type=int, default=5, help="how many of the rewards (the first) to draw")
    parser.add_argument("--out", type=Path, required=True, help="writes OUT.png and OUT.md")
    args = parser.parse_args()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from judge_study import found_rewards

    from irl.api import load_demos, load_reward

    rewards: dict[Path, Path] = {}  # resolved path -> path as given or found, each reward once, in order
    for path in args.rewards:
        found = [path] if path.suffix == ".reward" else [r for r in found_rewards([path]) if r.parent.name == "Pendulum-v1"]
        for reward in found:
            rewards.setdefault(reward.resolve(), reward)
    rewards = list(rewards.values())
    demos = load_demos(DEMOS)
    demo_angle = np.arctan2(demos.transitions.obs[:, 1], demos.transitions.obs[:, 0])
    angle, speed = np.meshgrid(np.linspace(-np.pi, np.pi, 121), np.linspace(-8.0, 8.0, 81))
    drawn = rewards[:args.plot]
    fig, axes = plt.subplots(1, len(drawn), figsize=(4.2 * len(drawn), 3.6), squeeze=False)
    lines = ["| reward | re-optimised | top 5% of demo steps: mean abs angle, speed |", "|---|---|---|"]
    at_goal = {True: [0, 0], False: [0, 0]}  # teaches -> [at the goal, all]
    for k, path in enumerate(rewards):
        reward = load_reward(path)
        final = json.loads((path.with_suffix("") / "eval.json").read_text())["normalized_return"]
        top_angle, top_speed = top_demo_states(reward, demos)
        lines.append(f"| `{path}` | {final:+.3f} | {top_angle:.2f} rad, {top_speed:.2f} rad/s |")
        at_goal[final >= 0.5][0] += top_angle < 0.1
        at_goal[final >= 0.5][1] += 1
        if k < len(drawn):
            ax = axes[0][k]
            values = state_reward(reward, angle.ravel(), speed.ravel()).reshape(angle.shape)
            mesh = ax.pcolormesh(angle, speed, values, shading="auto")
            ax.scatter(demo_angle, demos.transitions.obs[:, 2], s=1, c="white", alpha=0.3)
            fig.colorbar(mesh, ax=ax)
            ax.set_title(f"re-optimised {final:+.2f}", fontsize=9)
            ax.set_xlabel("angle (0 = upright)")
            ax.set_ylabel("angular velocity")
    lines.append("")
    lines.append(f"Top demo steps at the goal: {at_goal[True][0]} of {at_goal[True][1]} rewards that teach "
                 f"(re-optimised >= 0.5), {at_goal[False][0]} of {at_goal[False][1]} that do not.")
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out.with_suffix(".png"), dpi=80)
    text = "\n".join(lines) + "\n"
    args.out.with_suffix(".md").write_text(text)
    print(text, end="")


if __name__ == "__main__":
    main()
