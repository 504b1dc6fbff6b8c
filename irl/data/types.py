"""Typed batches of transitions, with their shapes checked on construction."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from irl.errors import DemoError


@dataclass(frozen=True)
class Transitions:
    """A batch of N transitions (s, a, s', terminated), episodes contiguous.

    Attributes:
        obs: (N, *obs_shape) float32, the state s before acting.
        acts: (N, *act_shape) float32 for Box actions, (N,) int64 for Discrete.
        next_obs: (N, *obs_shape) float32, s' after acting (the true final
            observation at an episode's end, not the reset one).
        terminated: (N,) bool, s' is terminal (the MDP ended, no bootstrap).
        truncated: (N,) bool, the episode was cut by a time limit after this step.
        rews: (N,) float32 true rewards, or None when unknown.
    """

    obs: np.ndarray
    acts: np.ndarray
    next_obs: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray
    rews: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.obs)
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None and len(value) != n:
                raise DemoError(f"transitions: {f.name} has {len(value)} rows, obs has {n}")
        if self.next_obs.shape != self.obs.shape:
            raise DemoError(f"transitions: next_obs shape {self.next_obs.shape} != obs shape {self.obs.shape}")
        for name in ("terminated", "truncated"):
            if getattr(self, name).shape != (n,):
                raise DemoError(f"transitions: {name} must have shape ({n},), found {getattr(self, name).shape}")

    def __len__(self) -> int:
        return len(self.obs)

    @property
    def episode_end(self) -> np.ndarray:
        """(N,) bool, the episode ends after this transition."""
        return self.terminated | self.truncated

    def episode_slices(self) -> list[slice]:
        """One slice per complete episode, in order."""
        ends = np.flatnonzero(self.episode_end)
        starts = np.concatenate([[0], ends[:-1] + 1])
        return [slice(int(s), int(e) + 1) for s, e in zip(starts, ends)]

    def index(self, idx: np.ndarray | slice) -> "Transitions":
        """The transitions at ``idx`` (an index array or a slice)."""
        return Transitions(**{f.name: None if getattr(self, f.name) is None else getattr(self, f.name)[idx]
                              for f in fields(self)})

    @staticmethod
    def concatenate(parts: list["Transitions"]) -> "Transitions":
        """The parts' rows in order; ``rews`` is kept only when every part has it."""
        def column(name: str) -> np.ndarray | None:
            values = [getattr(p, name) for p in parts]
            return None if any(v is None for v in values) else np.concatenate(values)

        return Transitions(**{f.name: column(f.name) for f in fields(Transitions)})
