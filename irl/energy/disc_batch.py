"""Transitions as discriminator inputs (:class:`DiscBatch`), with the absorbing-state
augmentation of Kostrikov et al. 2019 ("Discriminator-Actor-Critic", sec. 4.2).

The rows the learners' log q terms (:mod:`irl.energy.learner`) and the discriminator
(:mod:`irl.energy.discriminator`) both read.
"""

from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym
import numpy as np
import torch

from irl.data.types import Transitions


@dataclass(frozen=True)
class DiscBatch:
    """Transitions as discriminator inputs.

    Attributes:
        obs, next_obs: (B, obs_dim [+1 absorbing flag]) float32.
        acts: (B, act_dim) float32, one-hot for Discrete actions.
        terminated: (B,) float32, masks the shaping term (0 everywhere when absorbing
            states are on: a terminal step leads to the absorbing state instead).
        raw_obs: (B, obs_dim) float32 and raw_acts: (B, *act_shape), as the policy sees them
            and the env received them (log π of an action on a Box bound is the policy's mass
            there, :func:`irl.rl.sb3_adapter.clipped_log_prob`).
        absorbing: (B,) bool, the row is the absorbing self-transition (log q = 0 there:
            the policy has a single action in the absorbing state).
    """

    obs: torch.Tensor
    acts: torch.Tensor
    next_obs: torch.Tensor
    terminated: torch.Tensor
    raw_obs: torch.Tensor
    raw_acts: torch.Tensor
    absorbing: torch.Tensor

    def __len__(self) -> int:
        return len(self.obs)

    def index(self, idx: torch.Tensor) -> "DiscBatch":
        return DiscBatch(*(getattr(self, f)[idx] for f in self.__dataclass_fields__))

    @staticmethod
    def cat(batches: "list[DiscBatch]") -> "DiscBatch":
        """Rows of several batches, in order."""
        return DiscBatch(*(torch.cat([getattr(b, f) for b in batches]) for f in DiscBatch.__dataclass_fields__))

    @property
    def energy_inputs(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        return self.obs, self.acts, self.next_obs, self.terminated


def encode_actions(acts: np.ndarray, act_space: gym.Space) -> np.ndarray:
    """(N, *act_shape) -> (N, act_dim) float32; one-hot for Discrete."""
    if isinstance(act_space, gym.spaces.Discrete):
        return np.eye(act_space.n, dtype=np.float32)[acts.astype(np.int64)]
    return acts.reshape(len(acts), -1).astype(np.float32)


def to_disc_batch(t: Transitions, act_space: gym.Space, *, absorbing: bool) -> DiscBatch:
    """Transitions -> DiscBatch; with ``absorbing``, terminal steps lead to the absorbing
    state and one absorbing self-transition is appended per terminal step."""
    n = len(t)
    obs = t.obs.reshape(n, -1)
    next_obs = t.next_obs.reshape(n, -1)
    acts = encode_actions(t.acts, act_space)
    term = t.terminated.astype(np.float32)
    raw_acts = t.acts
    is_abs = np.zeros(n, dtype=bool)
    if absorbing:
        zero = np.zeros((n, 1), np.float32)
        terminal = t.terminated[:, None]
        obs = np.hstack([obs, zero])
        next_obs = np.where(terminal, 0.0, np.hstack([next_obs, zero])).astype(np.float32)
        next_obs[t.terminated, -1] = 1.0
        k = int(t.terminated.sum())
        absorbing_state = np.zeros((k, obs.shape[1]), np.float32)
        absorbing_state[:, -1] = 1.0
        obs = np.vstack([obs, absorbing_state])
        next_obs = np.vstack([next_obs, absorbing_state])
        acts = np.vstack([acts, np.zeros((k, acts.shape[1]), np.float32)])
        term = np.zeros(n + k, np.float32)
        raw_acts = np.concatenate([raw_acts, np.zeros((k, *raw_acts.shape[1:]), raw_acts.dtype)])
        is_abs = np.concatenate([is_abs, np.ones(k, dtype=bool)])
    raw_obs = np.vstack([t.obs.reshape(n, -1), np.zeros((len(obs) - n, t.obs[0].size), np.float32)])
    return DiscBatch(*(torch.as_tensor(a) for a in (obs, acts, next_obs, term, raw_obs, raw_acts, is_abs)))


def absorbing_batch(obs_dim: int, act_dim: int, raw_act_shape: tuple[int, ...], raw_act_dtype) -> DiscBatch:
    """The single absorbing self-transition, as a batch of one."""
    state = torch.zeros(1, obs_dim + 1)
    state[0, -1] = 1.0
    return DiscBatch(state, torch.zeros(1, act_dim), state.clone(), torch.zeros(1), torch.zeros(1, obs_dim),
                     torch.zeros((1, *raw_act_shape), dtype=raw_act_dtype), torch.ones(1, dtype=torch.bool))
