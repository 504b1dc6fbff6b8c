"""Use a learned reward in any Gymnasium loop.

    env = irl.LearnedRewardWrapper(gym.make("Hopper-v5"), irl.load_reward("reward/"))
    obs, info = env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
    info["true_reward"]   # the env's own reward, for evaluation

The SB3 VecEnv counterpart is :class:`irl.rl.sb3_adapter.LearnedRewardVecEnv`.
"""

from __future__ import annotations

from typing import Any, Callable

import gymnasium as gym
import numpy as np

RewardFn = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]
"""obs (B, *obs_shape), acts (B, *act_shape), next_obs (B, *obs_shape), done (B,) -> (B,)."""


class LearnedRewardWrapper(gym.Wrapper):
    """Replaces the env's reward by ``reward(obs, act, next_obs, terminated)``; the env's own
    reward goes to ``info['true_reward']``.

    Args:
        env: the environment; its spaces are checked against the reward's when the reward
            is a :class:`irl.rewards.artifact.LearnedReward`.
        reward: a loaded reward or any batched callable of that signature.
    """

    def __init__(self, env: gym.Env, reward: RewardFn) -> None:
        super().__init__(env)
        if hasattr(reward, "check_spaces"):
            reward.check_spaces(env.observation_space, env.action_space, str(env.spec.id if env.spec else env))
        self.reward = reward
        self._obs: np.ndarray | None = None

    def reset(self, **kwargs: Any):
        obs, info = self.env.reset(**kwargs)
        self._obs = obs
        return obs, info

    def step(self, action):
        obs, true_reward, terminated, truncated, info = self.env.step(action)
        learned = self.reward(self._obs[None], np.asarray(action)[None], obs[None],
                              np.array([float(terminated)], dtype=np.float32))
        self._obs = obs
        return obs, float(learned[0]), terminated, truncated, {**info, "true_reward": float(true_reward)}
