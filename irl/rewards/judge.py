"""How well does a learned reward agree with the true one?

* Pearson and Spearman correlation of learned and true rewards on transitions
  from several policies (expert demos, uniform random, any others given).
* EPIC distance (Gleave, Dennis, Legg, Russell, Leike 2021, "Quantifying
  Differences in Reward Functions", sec. 4): canonicalise both rewards over
  coverage distributions of states D_S and actions D_A,

      C(R)(s, a, s') = R(s, a, s') + E[γ·R(s', A, S') - R(s, A, S') - γ·R(S, A, S')],
      S, S' ~ D_S,  A ~ D_A,

  then D_EPIC = sqrt((1 - ρ) / 2), ρ the Pearson correlation of the canonical
  rewards on transitions from a coverage distribution D. It is 0 for a reward
  and any potential-shaped, positively scaled copy, and 1 for its negation.
  EPIC evaluates rewards at (s, a, s') never visited, so the true reward must be
  a function (:data:`TRUE_REWARDS`), not a log.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from irl.envs.point_maze import point_maze_reward

RewardFunction = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
"""obs (N, *obs_shape), acts (N, *act_shape), next_obs (N, *obs_shape) -> (N,) rewards."""


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson correlation of two (N,) arrays; NaN if either is constant."""
    x, y = np.asarray(x, np.float64) - np.mean(x), np.asarray(y, np.float64) - np.mean(y)
    denom = np.sqrt((x * x).sum() * (y * y).sum())
    return float((x * y).sum() / denom) if denom > 0 else float("nan")


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman rank correlation (ties get their average rank)."""
    return pearson(_ranks(np.asarray(x)), _ranks(np.asarray(y)))


def _ranks(x: np.ndarray) -> np.ndarray:
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x))
    ranks[order] = np.arange(len(x))
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    return (sums / counts)[inverse]


def canonicalize(reward: RewardFunction, obs: np.ndarray, acts: np.ndarray, next_obs: np.ndarray, *,
                 states: np.ndarray, actions: np.ndarray, gamma: float) -> np.ndarray:
    """C(R) on N transitions, expectations over M samples: states (M, *obs_shape) for both
    S and S' (one sample set, so a shaping term cancels exactly), actions (M, *act_shape)
    for A. Costs (2N + 1)·M reward evaluations. Returns (N,) float64."""
    m = len(states)

    def mean_from(origins: np.ndarray) -> np.ndarray:  # E_{A, S'}[R(o, A, S')] for each origin o: (N,)
        o = np.repeat(origins, m, axis=0)
        a = np.tile(actions, (len(origins),) + (1,) * (actions.ndim - 1))
        s2 = np.tile(states, (len(origins),) + (1,) * (states.ndim - 1))
        return np.asarray(reward(o, a, s2), np.float64).reshape(len(origins), m).mean(axis=1)

    shuffled = np.roll(states, 1, axis=0)  # S and S' independent draws from the same sample set
    constant = float(np.mean(reward(states, actions, shuffled)))
    direct = np.asarray(reward(obs, acts, next_obs), np.float64)
    return direct + gamma * mean_from(next_obs) - mean_from(obs) - gamma * constant


def epic_distance(reward_a: RewardFunction, reward_b: RewardFunction, obs: np.ndarray, acts: np.ndarray,
                  next_obs: np.ndarray, *, states: np.ndarray, actions: np.ndarray, gamma: float) -> float:
    """EPIC pseudometric in [0, 1] between two reward functions on the given transitions
    (coverage distribution D) with canonicalisation samples ``states`` and ``actions``."""
    ca = canonicalize(reward_a, obs, acts, next_obs, states=states, actions=actions, gamma=gamma)
    cb = canonicalize(reward_b, obs, acts, next_obs, states=states, actions=actions, gamma=gamma)
    rho = pearson(ca, cb)
    return float(np.sqrt(max(0.0, (1.0 - rho) / 2.0)))


def reward_grid(reward: RewardFunction, base_obs: np.ndarray, dims: tuple[int, int],
                bounds: tuple[tuple[float, float], tuple[float, float]], *, action: np.ndarray,
                resolution: int = 60) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The reward over a plane of two observation coordinates (e.g. a maze's x, y), the
    other coordinates held at ``base_obs``, action ``action``, s' = s.

    Returns xs (R,), ys (R,) and values (R, R) with values[i, j] at (xs[j], ys[i]).
    """
    xs = np.linspace(*bounds[0], resolution)
    ys = np.linspace(*bounds[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    obs = np.repeat(base_obs.reshape(1, -1).astype(np.float32), gx.size, axis=0)
    obs[:, dims[0]], obs[:, dims[1]] = gx.ravel(), gy.ravel()
    acts = np.repeat(np.asarray(action)[None], len(obs), axis=0)
    return xs, ys, np.asarray(reward(obs, acts, obs), np.float64).reshape(gx.shape)


def _pendulum(obs: np.ndarray, acts: np.ndarray, next_obs: np.ndarray) -> np.ndarray:
    """Pendulum-v1's reward from the observation before the step: -(θ² + 0.1·θ̇² + 0.001·u²)."""
    theta = np.arctan2(obs[:, 1], obs[:, 0])
    u = np.clip(acts.reshape(len(acts), -1)[:, 0], -2.0, 2.0)
    return -(theta**2 + 0.1 * obs[:, 2] ** 2 + 0.001 * u**2)


TRUE_REWARDS: dict[str, RewardFunction] = {"Pendulum-v1": _pendulum, "irl/PointMazeLeft-v0": point_maze_reward,
                                           "irl/PointMazeRight-v0": point_maze_reward}
"""True rewards as functions of (s, a, s'), for EPIC; tasks whose reward depends on
state the observation omits (MuJoCo locomotion's x position) are not here."""


def describe_correlation(value: float | None) -> str:
    """A correlation for people: '+0.912', or why there is none (a constant reward)."""
    return "n/a (a constant reward)" if value is None else f"{value:+.3f}"
