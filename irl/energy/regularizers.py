"""Guided cost learning's cost regularisers (Finn, Levine, Abbeel 2016, sec. 4.2).

Along a trajectory with costs c_t = E(s_t, a_t):

* lcr (local constancy of rate): [(c_{t+1} - c_t) - (c_t - c_{t-1})]^2, costs that
  change at a steady rate; applied to demonstrations and generator samples.
* mono (monotonic): max(0, c_t - c_{t-1} - 1)^2, demonstrations that make steady
  progress, so their cost should not rise; applied to demonstrations only.

Both are means over consecutive steps of the same episode; the index helpers
find those steps in time-major rollouts.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def consecutive_steps(episode_end: np.ndarray, length: int) -> np.ndarray:
    """Row indices of every run of ``length`` consecutive steps inside one episode.

    episode_end: (T, n_envs) bool, step t of env i ends its episode (terminated or
    truncated); rows are flattened time-major (row = t * n_envs + i), as rollouts and
    demos (n_envs = 1) are. Returns (M, length) int64.
    """
    steps, n_envs = episode_end.shape
    rows = np.arange(steps * n_envs).reshape(steps, n_envs)
    # a window starting at t is valid if none of its first length-1 steps ends an episode
    ends_before = np.zeros((max(steps - length + 1, 0), n_envs), dtype=bool)
    for k in range(length - 1):
        ends_before |= episode_end[k:steps - length + 1 + k]
    starts_t, starts_i = np.nonzero(~ends_before)
    return np.stack([rows[starts_t + k, starts_i] for k in range(length)], axis=1).astype(np.int64)


def lcr_penalty(cost: torch.Tensor) -> torch.Tensor:
    """cost: (M, 3) costs at t-1, t, t+1 -> mean squared second difference ()."""
    return ((cost[:, 2] - cost[:, 1]) - (cost[:, 1] - cost[:, 0])).pow(2).mean()


def mono_penalty(cost: torch.Tensor) -> torch.Tensor:
    """cost: (M, 2) costs at t-1, t -> mean squared hinge on a rise of more than 1 ()."""
    return F.relu(cost[:, 1] - cost[:, 0] - 1.0).pow(2).mean()
