"""What a learner hands the trainer: an energy and the log q term of its logit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from irl.energy.disc_batch import DiscBatch

LogProbFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
"""log π(a|s) of the current policy: raw obs (B, obs_dim), raw acts (B, *act_shape) -> (B,)."""

LogQFn = Callable[[DiscBatch, LogProbFn], "torch.Tensor | None"]
"""The generator density term of the logit for a batch: (B,), or None for 0."""


@dataclass(frozen=True)
class Learner:
    """One choice inside D = exp(-E) / (exp(-E) + Z·q).

    Attributes:
        name: 'gail', 'airl', ...
        energy: E(obs, acts, next_obs, terminated) -> (B,), see :mod:`irl.energy.networks`.
        log_q: the log q term (None for GAIL, log π(a|s) for AIRL).
        policy_reward: default key of :data:`irl.energy.losses.POLICY_REWARDS`.
    """

    name: str
    energy: nn.Module
    log_q: LogQFn
    policy_reward: str


def no_log_q(batch: DiscBatch, log_prob: LogProbFn) -> None:
    """GAIL: q is absorbed into the free energy."""
    return None


def policy_log_q(batch: DiscBatch, log_prob: LogProbFn) -> torch.Tensor:
    """AIRL, GCL: log q = log π(a|s) of the sampler (the current policy, or the fusion of
    the recent policies whose rollouts are replayed), recomputed at every call;
    0 on absorbing rows, where the policy has a single action."""
    with torch.no_grad():
        logp = log_prob(batch.raw_obs, batch.raw_acts)
    return torch.where(batch.absorbing, torch.zeros_like(logp), logp)
