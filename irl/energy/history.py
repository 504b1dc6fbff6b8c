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

from irl.energy.disc_batch import DiscBatch
from irl.energy.learner import LogProbFn
from irl.energy.partition import fusion_log_density
from irl.energy.regularizers import consecutive_steps


class GeneratorHistory:
    """The last ``rounds`` rollouts as discriminator rows, each with its policy's log π."""

    def __init__(self, rounds: int) -> None:
        if rounds < 1:
            raise ValueError(f"rounds must be >= 1, got {rounds}")
        self._rollouts: deque[tuple[DiscBatch, LogProbFn, np.ndarray]] = deque(maxlen=rounds)
        self.snapshots: deque[dict[str, torch.Tensor] | None] = deque(maxlen=rounds)
        """The policies' weights behind each log_prob (for checkpoints), None if not kept."""

    def add(self, rows: DiscBatch, log_prob: LogProbFn, episode_end: np.ndarray,
            snapshot: dict[str, torch.Tensor] | None = None) -> None:
        """A rollout, log π(a|s) of the (frozen) policy that drew it, and its episode ends
        (T, n_envs) bool for the rollout's first T·n_envs rows (time-major)."""
        self._rollouts.append((rows, log_prob, episode_end))
        self.snapshots.append(snapshot)

    def state(self) -> tuple[dict[str, torch.Tensor], list[int]]:
        """Rows, episode ends and policy snapshots of every remembered rollout, as tensors."""
        tensors = {}
        for i, ((rows, _, ends), snap) in enumerate(zip(self._rollouts, self.snapshots)):
            for field in DiscBatch.__dataclass_fields__:
                tensors[f"{i}.rows.{field}"] = getattr(rows, field)
            tensors[f"{i}.ends"] = torch.as_tensor(ends)
            for key, value in (snap or {}).items():
                tensors[f"{i}.snap.{key}"] = value
        return tensors, [int(ends.shape[1]) for _, _, ends in self._rollouts]

    def load_state(self, tensors: dict[str, torch.Tensor], count: int, log_prob_of) -> None:
        """Inverse of :meth:`state`; ``log_prob_of(snapshot)`` rebuilds each policy's log π."""
        self._rollouts.clear()
        self.snapshots.clear()
        for i in range(count):
            rows = DiscBatch(*(tensors[f"{i}.rows.{f}"] for f in DiscBatch.__dataclass_fields__))
            prefix = f"{i}.snap."
            snap = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
            self.add(rows, log_prob_of(snap), tensors[f"{i}.ends"].numpy(), snap)

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
