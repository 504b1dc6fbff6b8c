"""Shared fixtures: a tiny terminating env and small demo sets made on the spot."""

from __future__ import annotations

import warnings
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

from irl.data.demos import DemoSet, card_for, record_episodes

REPO = Path(__file__).resolve().parents[1]
SHIPPED_PENDULUM = REPO / "demos" / "pendulum-v1.npz"

warnings.filterwarnings("ignore", module="gymnasium")
torch.set_num_threads(1)


class LineEnv(gym.Env):
    """x' = x + 0.4·a on a line; terminates when |x| > 1, truncates after 10 steps; reward -|x|."""

    def __init__(self) -> None:
        self.observation_space = gym.spaces.Box(-5, 5, (2,), np.float32)
        self.action_space = gym.spaces.Box(-1, 1, (1,), np.float32)
        self.x = 0.0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.x = float(self.np_random.uniform(-0.1, 0.1))
        return self._obs(), {}

    def _obs(self):
        return np.array([self.x, 1.0], np.float32)

    def step(self, action):
        self.x += float(np.clip(action, -1, 1)[0]) * 0.4
        return self._obs(), -abs(self.x), abs(self.x) > 1.0, False, {}


if "LineTest-v0" not in gym.registry:
    gym.register("LineTest-v0", entry_point=LineEnv, max_episode_steps=10)


def pendulum_controller(obs: np.ndarray) -> np.ndarray:
    """Energy-pumping swing-up with a PD catch at the top, for Pendulum-v1 (obs (1, 3) -> act (1, 1)).

    With θ'' = 15 sin θ + 3u, the energy E = θ'²/2 + 15 (cos θ - 1) changes as dE/dt = 3u·θ',
    so u = 2·sign(θ') pumps it up to the upright level 0.
    """
    cos, sin, vel = obs[0]
    angle = np.arctan2(sin, cos)
    energy = 0.5 * vel**2 + 15.0 * (cos - 1.0)
    if cos > 0.9:
        torque = -10.0 * angle - 2.0 * vel
    else:
        torque = 2.0 * np.sign(vel if abs(vel) > 1e-3 else 1.0) * (energy < 0)
    return np.array([[np.clip(torque, -2.0, 2.0)]], np.float32)


@pytest.fixture(scope="session")
def pendulum_demos() -> DemoSet:
    env = gym.make("Pendulum-v1")
    t = record_episodes(pendulum_controller, env, episodes=6, seed=0)
    return DemoSet(t, card_for(env, "Pendulum-v1", t, random_return=-1230.0))


@pytest.fixture(scope="session")
def line_demos() -> DemoSet:
    env = gym.make("LineTest-v0")
    t = record_episodes(lambda o: np.array([[1.0]], np.float32), env, episodes=3, seed=0)
    return DemoSet(t, card_for(env, "LineTest-v0", t))


def held_out_auc(energy) -> float:
    """P(-E of a held-out expert step > -E of a random step) on Pendulum-v1, 2 episodes each."""
    import torch

    from irl.energy.disc_batch import to_disc_batch

    env = gym.make("Pendulum-v1")
    expert = record_episodes(pendulum_controller, env, episodes=2, seed=500)
    env.action_space.seed(1)
    rand = record_episodes(lambda o: env.action_space.sample()[None], env, episodes=2, seed=600)
    with torch.no_grad():
        pos, neg = (-energy(*to_disc_batch(t, env.action_space, absorbing=True).energy_inputs).numpy()
                    for t in (expert, rand))
    return float((pos[:, None] > neg[None, :]).mean())

