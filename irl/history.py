"""Recent generator rollouts and the policies that drew them (GCL's sample replay).

Guided cost learning (Finn, Levine, Abbeel 2016, sec. 4.1) trains the cost on
samples from several recent policies. Their density is the *fusion* density,
the uniform mixture of those policies (each rollout has the same size), so an
old sample is weighted as the mixture that could have drawn it, not as the
current policy would. With one round of history this is plain on-policy
training with the current π.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import torch

from irl.discriminator import DiscBatch
from irl.learner import LogProbFn
from irl.partition import fusion_log_density
from irl.regularizers import consecutive_steps


class GeneratorHistory:
    """The last ``rounds`` rollouts as discriminator rows, each with its policy's log π."""

    def __init__(self, rounds: int) -> None:
        if rounds < 1:
            raise ValueError(f"rounds must be >= 1, got {rounds}")
        self._rollouts: deque[tuple[DiscBatch, LogProbFn, np.ndarray]] = deque(maxlen=rounds)

    def add(self, rows: DiscBatch, log_prob: LogProbFn, episode_end: np.ndarray) -> None:
        """A rollout, log π(a|s) of the (frozen) policy that drew it, and its episode ends
        (T, n_envs) bool for the rollout's first T·n_envs rows (time-major)."""
        self._rollouts.append((rows, log_prob, episode_end))

    def rows(self) -> DiscBatch:
        """All remembered rows, oldest first."""
        return DiscBatch.cat([rows for rows, _, _ in self._rollouts])

    def segments(self, length: int) -> torch.Tensor:
        """(M, length) int64 indices into :meth:`rows` of every run of ``length``
        consecutive steps within one episode of one rollout."""
        runs, offset = [], 0
        for rows, _, ends in self._rollouts:
            runs.append(consecutive_steps(ends, length) + offset)
            offset += len(rows)
        return torch.as_tensor(np.concatenate(runs))

    def log_probs(self, obs: torch.Tensor, acts: torch.Tensor) -> torch.Tensor:
        """log π_k(a|s) under each remembered policy: (K, B)."""
        return torch.stack([log_prob(obs, acts) for _, log_prob, _ in self._rollouts])

    def log_prob(self, obs: torch.Tensor, acts: torch.Tensor) -> torch.Tensor:
        """The fusion density log (1/K sum_k π_k(a|s)): raw obs (B, obs_dim), acts -> (B,)."""
        if len(self._rollouts) == 1:
            return self._rollouts[0][1](obs, acts)
        return fusion_log_density(self.log_probs(obs, acts))
