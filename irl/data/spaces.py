"""Gymnasium spaces as JSON, and the checks that data fits a space."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from irl.errors import EnvError


def check_supported(env_id: str, obs_space: gym.Space, act_space: gym.Space) -> None:
    """Raise EnvError unless observations are a Box and actions a Box or Discrete."""
    if not isinstance(obs_space, gym.spaces.Box):
        raise EnvError(f"{env_id}: observations must be a Box space, found {obs_space}")
    if not isinstance(act_space, (gym.spaces.Box, gym.spaces.Discrete)):
        raise EnvError(f"{env_id}: actions must be a Box or Discrete space, found {act_space}")
    if isinstance(act_space, gym.spaces.Discrete) and int(act_space.start) != 0:
        raise EnvError(f"{env_id}: Discrete actions must start at 0, found {act_space}; "
                       "wrap the env so that its actions are 0..n-1")


def as_discrete_actions(acts: np.ndarray, space: gym.spaces.Discrete) -> np.ndarray:
    """(N,) or (N, 1) whole numbers in [0, n) -> (N,) int64; ValueError that says what was found.

    Integer and bool inputs skip the whole-number test (the per-step reward call is hot)."""
    if acts.ndim == 2 and acts.shape[1] == 1:  # SB3's rollout buffer keeps Discrete actions as (N, 1)
        acts = acts[:, 0]
    if acts.ndim != 1:
        raise ValueError(f"Discrete actions must have shape (N,) or (N, 1), found {acts.dtype} {acts.shape}")
    ints = acts.astype(np.int64)
    if acts.dtype.kind not in "iub" and not (ints == acts).all():  # also catches NaN and inf
        raise ValueError(f"Discrete actions must be whole numbers, found {acts[ints != acts][0]:g}")
    if ints.size and (ints.min() < 0 or ints.max() >= space.n):
        raise ValueError(f"Discrete actions must lie in [0, {space.n}), found [{ints.min()}, {ints.max()}]")
    return ints


def uniform_log_density(space: gym.Space) -> float:
    """log of the uniform density over a Discrete space or a bounded Box (per action)."""
    if isinstance(space, gym.spaces.Discrete):
        return -float(np.log(space.n))
    if isinstance(space, gym.spaces.Box) and space.is_bounded("both"):
        return -float(np.sum(np.log(space.high.astype(np.float64) - space.low.astype(np.float64))))
    raise EnvError(f"a uniform density needs Discrete actions or a bounded Box, found {space}")


def space_to_json(space: gym.Space) -> dict[str, Any]:
    """A Discrete or Box space as a JSON object (a Box's infinite bounds as strings)."""
    if isinstance(space, gym.spaces.Discrete):
        return {"type": "Discrete", "n": int(space.n)}
    if isinstance(space, gym.spaces.Box):
        return {"type": "Box", "shape": list(space.shape), "dtype": str(space.dtype),
                "low": _finite_or_str(space.low), "high": _finite_or_str(space.high)}
    raise EnvError(f"unsupported space {space}")


def space_from_json(data: dict[str, Any]) -> gym.Space:
    """Inverse of :func:`space_to_json`; ValueError on anything else."""
    if not isinstance(data, dict):
        raise ValueError(f"a space must be a JSON object, found {type(data).__name__}")
    if data.get("type") == "Discrete":
        return gym.spaces.Discrete(int(data["n"]))
    if data.get("type") == "Box":
        shape, dtype = tuple(int(d) for d in data["shape"]), np.dtype(data["dtype"])
        low = np.array([float(v) for v in data["low"]], dtype=dtype).reshape(shape)
        high = np.array([float(v) for v in data["high"]], dtype=dtype).reshape(shape)
        return gym.spaces.Box(low, high, shape, dtype=dtype)
    raise ValueError(f"unknown space type {data.get('type')!r}")


def same_space(a: gym.Space, b: gym.Space) -> bool:
    """Same kind, shape and size (bounds may differ: dynamics variants often widen them)."""
    if isinstance(a, gym.spaces.Discrete) and isinstance(b, gym.spaces.Discrete):
        return a.n == b.n and a.start == b.start
    return isinstance(a, gym.spaces.Box) and isinstance(b, gym.spaces.Box) and a.shape == b.shape


def _finite_or_str(x: np.ndarray) -> list:
    return [v if np.isfinite(v) else str(v) for v in x.astype(np.float64).ravel().tolist()]


def act_shape(space: gym.Space) -> tuple[int, ...]:
    """The shape of one action as stored: () for Discrete, the Box shape otherwise."""
    return () if isinstance(space, gym.spaces.Discrete) else tuple(space.shape)


def act_dim(space: gym.Space) -> int:
    """Width of the action as a network input: n (one-hot) for Discrete, prod(shape) for Box."""
    return int(space.n) if isinstance(space, gym.spaces.Discrete) else int(np.prod(space.shape))


def obs_dim(space: gym.Space) -> int:
    return int(np.prod(space.shape))
