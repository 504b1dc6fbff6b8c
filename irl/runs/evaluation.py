"""Roll out policies on the true reward and score them against the demo card."""

from __future__ import annotations

from typing import Callable

import numpy as np

from irl.data.demos import record_episodes
from irl.rl.sb3_adapter import make_env

ActFn = Callable[[np.ndarray], np.ndarray]  # obs (1, *obs_shape) -> act (1, *act_shape)


def rollout_returns(act: ActFn, env_id: str, *, episodes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """True returns and lengths of ``episodes`` episodes, episode i reset with ``seed + i``.

    Returns:
        returns: (episodes,) float64; lengths: (episodes,) int64.
    """
    env = make_env(env_id)
    try:
        t = record_episodes(act, env, episodes=episodes, seed=seed)
    finally:
        env.close()
    slices = t.episode_slices()
    returns = np.array([t.rews[s].sum(dtype=np.float64) for s in slices])
    return returns, np.array([s.stop - s.start for s in slices], dtype=np.int64)


def evaluate_policy(policy, env_id: str, *, episodes: int = 20, seed: int = 0,
                    deterministic: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Returns and lengths of an :class:`irl.rl.policy_io.Policy` (stochastic by default,
    the way demonstrations are recorded). The policy's action noise is drawn from torch's
    RNG seeded with ``seed`` (the caller's RNG state is left as it was), so an evaluation
    repeats exactly."""
    import torch

    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return rollout_returns(lambda o: policy.act(o, deterministic=deterministic), env_id,
                               episodes=episodes, seed=seed)


def random_returns(env_id: str, *, episodes: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Returns and lengths of the uniform-random policy."""
    space = make_env(env_id).action_space
    space.seed(seed)
    return rollout_returns(lambda o: np.asarray(space.sample())[None], env_id, episodes=episodes, seed=seed)


def normalized_return(ret: float | np.ndarray, *, expert: float, random: float) -> float | np.ndarray:
    """(R - R_random) / (R_expert - R_random): 0 = random, 1 = expert."""
    return (ret - random) / (expert - random)
