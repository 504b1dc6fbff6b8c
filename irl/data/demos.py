"""Demonstrations on disk: a documented ``.npz`` anyone can write with numpy.

Format (version 1), one row per transition, episodes contiguous::

    obs         (N, *obs_shape)  float   state before the action
    acts        (N, *act_shape)  float   (Box) or (N,) int (Discrete)
    next_obs    (N, *obs_shape)  float   state after it (the real last state at an episode end)
    terminated  (N,)             bool    the episode ended in a terminal state
    truncated   (N,)             bool    the episode was cut (time limit) after this step
    rews        (N,)             float   optional, true rewards
    metadata    ()               str     optional JSON: env_id, episode_returns,
                                         episode_lengths, random_return, expert, ...

Write one with ``np.savez(path, obs=..., acts=..., ..., metadata=json.dumps({...}))``.
D4RL-style names (observations, actions, next_observations, terminals,
timeouts, rewards) are accepted too. Files are read with ``allow_pickle=False``.
imitation and Minari datasets load too (:mod:`irl.data.demo_formats`).
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import gymnasium as gym
import numpy as np

from irl.data.demo_arrays import AMBIGUOUS_ENDS, bool_array, read_npz
from irl.data.demo_formats import is_foreign, read_foreign
from irl.data.spaces import act_shape, as_discrete_actions, space_to_json
from irl.data.types import Transitions
from irl.errors import DemoError

FORMAT_VERSION = 1
_ALIASES = {
    "obs": ("obs", "observations"),
    "acts": ("acts", "actions"),
    "next_obs": ("next_obs", "next_observations"),
    "terminated": ("terminated", "terminals"),
    "truncated": ("truncated", "timeouts"),
    "rews": ("rews", "rewards"),
}


@dataclass(frozen=True)
class DemoSet:
    """Demonstrations and their card.

    Attributes:
        transitions: the transitions, complete episodes only.
        metadata: the card (env_id, episode returns and lengths, random_return, expert, ...).
    """

    transitions: Transitions
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def env_id(self) -> str | None:
        return self.metadata.get("env_id")

    @property
    def episode_returns(self) -> np.ndarray:
        """(n_episodes,) true returns, from ``rews`` when present, else from the card."""
        if self.transitions.rews is not None:
            return np.array([self.transitions.rews[s].sum() for s in self.transitions.episode_slices()])
        return np.asarray(self.metadata.get("episode_returns", []), dtype=np.float64)

    @property
    def expert_return(self) -> float | None:
        returns = self.episode_returns
        return float(returns.mean()) if len(returns) else None

    @property
    def random_return(self) -> float | None:
        value = self.metadata.get("random_return")
        return None if value is None else float(value)

    @property
    def n_episodes(self) -> int:
        return len(self.transitions.episode_slices())

    def weak_episodes(self, fraction: float = 0.5) -> np.ndarray:
        """Indices of episodes that earn less than ``fraction`` of the best episode's margin
        over the random policy: R - R_random < fraction·(R_best - R_random). An expert
        with such episodes stumbles into failure modes, and an imitator matching the
        demos' state distribution may settle in them (HalfCheetah's stuck gait:
        docs/notes/2026-11-28-halfcheetah-warm-start.md). Empty when returns or the random
        return are unknown."""
        returns, rand = self.episode_returns, self.random_return
        if len(returns) < 2 or rand is None or not returns.max() > rand:
            return np.zeros(0, dtype=int)
        return np.flatnonzero(returns - rand < fraction * (returns.max() - rand))

    def warn_if_weak(self, where: str) -> None:
        """One warning naming the weak episodes (:meth:`weak_episodes`), if any."""
        weak = self.weak_episodes()
        if len(weak):
            r = self.episode_returns
            warnings.warn(f"{where}: {len(weak)} of {len(r)} demo episodes return less than half of the best "
                          f"one's margin over random ({', '.join(f'{r[i]:.1f}' for i in weak)} vs best "
                          f"{r.max():.1f}, random {self.random_return:.1f}); an imitator may copy these "
                          f"failures: prefer an expert that does not stumble", stacklevel=2)

    def fingerprint(self) -> str:
        """A short hash of the transition arrays, to tie a reward to its data."""
        import hashlib

        h = hashlib.sha256()
        t = self.transitions
        for a in (t.obs, t.acts, t.next_obs, t.terminated, t.truncated):
            h.update(np.ascontiguousarray(a).tobytes())
        return h.hexdigest()[:16]


def save_demos(path: str | Path, demos: DemoSet, *, overwrite: bool = False) -> Path:
    """Write ``demos`` to ``path`` (.npz); refuses to replace a file unless ``overwrite``."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise DemoError(f"{path} already exists; choose another path or pass overwrite")
    t = demos.transitions
    arrays = {"obs": t.obs, "acts": t.acts, "next_obs": t.next_obs,
              "terminated": t.terminated, "truncated": t.truncated}
    if t.rews is not None:
        arrays["rews"] = t.rews
    meta = {"format": "irl-demos", "version": FORMAT_VERSION, **demos.metadata}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, metadata=np.array(json.dumps(meta)), **arrays)
    tmp.replace(path)
    return path


def load_demos(path: str | Path) -> DemoSet:
    """Read and check demonstrations: irl's .npz, or an imitation or Minari dataset
    (:mod:`irl.data.demo_formats`); any problem raises :class:`DemoError`."""
    path = Path(path)
    if not (path.is_file() or path.is_dir()):
        raise DemoError(f"demo file {path} does not exist" if not path.exists() else
                        f"{path} is neither a file nor a folder (a pipe or a device?); give a demo file")
    arrays = read_foreign(path) if is_foreign(path) else read_npz(path)
    return demos_from_arrays(arrays, source=str(path))


def demos_from_arrays(arrays: dict[str, np.ndarray], *, source: str = "arrays") -> DemoSet:
    """Build a checked :class:`DemoSet` from named arrays (see the module docstring)."""
    found = {}
    for name, aliases in _ALIASES.items():
        key = next((a for a in aliases if a in arrays), None)
        if key is None and name != "rews":
            hint = " (found 'dones': store terminated and truncated separately)" if "dones" in arrays else ""
            raise DemoError(f"{source}: missing array {name!r} (or {' / '.join(aliases[1:])}); "
                            f"found {sorted(arrays)}{hint}")
        found[name] = None if key is None else arrays[key]
        if key is not None and found[name].ndim == 0:
            raise DemoError(f"{source}: {key} must have one row per transition, found a scalar")
    meta = _metadata(arrays.get("metadata"), source)

    n = len(found["obs"]) if found["obs"].ndim else 0
    if n == 0:
        raise DemoError(f"{source}: no transitions (obs is empty)")
    obs = _float_array(found["obs"], "obs", source)
    if obs.size == 0:
        raise DemoError(f"{source}: observations have no features (obs shape {obs.shape})")
    next_obs = _float_array(found["next_obs"], "next_obs", source)
    acts = found["acts"]
    if acts.dtype.kind in "iu":
        acts = acts.astype(np.int64)
    else:
        acts = _float_array(acts, "acts", source)
    flags = {k: bool_array(found[k], k, source) for k in ("terminated", "truncated")}
    rews = None if found["rews"] is None else _float_array(found["rews"], "rews", source)
    for name, value in (("acts", acts), ("next_obs", next_obs), ("rews", rews), *flags.items()):
        if value is not None and len(value) != n:
            raise DemoError(f"{source}: {name} has {len(value)} rows, expected {n} (as obs)")
    if next_obs.shape != obs.shape:
        raise DemoError(f"{source}: next_obs has shape {next_obs.shape}, expected {obs.shape} (as obs)")
    for name, value in flags.items():
        if value.shape != (n,):
            raise DemoError(f"{source}: {name} must have shape ({n},), found {value.shape}")
    if rews is not None and rews.shape != (n,):
        raise DemoError(f"{source}: rews must have shape ({n},), found {rews.shape}")

    t = Transitions(obs, acts, next_obs, flags["terminated"], flags["truncated"], rews)
    t = _complete_episodes(t, source)
    _check_continuity(t, source)
    return DemoSet(t, meta)


def _metadata(raw: np.ndarray | None, source: str) -> dict[str, Any]:
    if raw is None:
        return {}
    try:
        meta = json.loads(str(raw[()]) if raw.dtype.kind == "U" else bytes(raw).decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, TypeError, ValueError) as exc:
        raise DemoError(f"{source}: metadata is not valid JSON text ({exc})") from None
    if not isinstance(meta, dict):
        raise DemoError(f"{source}: metadata must be a JSON object, found {type(meta).__name__}")
    version = meta.get("version", FORMAT_VERSION)
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise DemoError(f"{source}: demo format version {version!r} is newer than this irl reads "
                        f"({FORMAT_VERSION}); upgrade irl")
    return meta


def _float_array(a: np.ndarray, name: str, source: str) -> np.ndarray:
    if a.dtype.kind not in "fiub":
        raise DemoError(f"{source}: {name} must be numeric, found dtype {a.dtype}")
    out = a.astype(np.float32)
    bad = ~np.isfinite(out)
    if bad.any():
        row = int(np.argwhere(bad)[0][0])
        raise DemoError(f"{source}: {name} has {int(bad.sum())} non-finite values (NaN/inf), first in row {row}")
    return out


def _complete_episodes(t: Transitions, source: str) -> Transitions:
    ends = np.flatnonzero(t.episode_end)
    if len(ends) == 0:
        raise DemoError(f"{source}: no complete episode (no row has terminated or truncated set); "
                        f"mark the last step of each episode")
    if ends[-1] != len(t) - 1:
        warnings.warn(f"{source}: dropping {len(t) - 1 - ends[-1]} trailing transitions of an unfinished episode",
                      stacklevel=3)
        t = t.index(slice(0, int(ends[-1]) + 1))
    return t


def _check_continuity(t: Transitions, source: str) -> None:
    """Within an episode, next_obs[i] must equal obs[i+1]."""
    if len(t) < 2:
        return
    inner = ~t.episode_end[:-1]
    gap = np.abs(t.next_obs[:-1] - t.obs[1:]).reshape(len(t) - 1, -1).max(axis=1, initial=0.0)
    scale = 1e-4 * (1.0 + np.abs(t.obs[1:]).reshape(len(t) - 1, -1).max(axis=1, initial=0.0))
    broken = np.flatnonzero(inner & (gap > scale))
    if len(broken):
        i = int(broken[0])
        raise DemoError(f"{source}: episode boundaries inconsistent: next_obs[{i}] != obs[{i + 1}] "
                        f"but row {i} is not marked terminated/truncated ({len(broken)} such rows)")


def check_against_env(demos: DemoSet, obs_space: gym.Space, act_space: gym.Space, env_id: str, *,
                      time_limit: int | None = None) -> DemoSet:
    """Check that ``demos`` fit the env's spaces; returns them with actions cast (and Box
    actions clipped to the bounds, with a warning). ``time_limit``: the episode limit the
    demos were recorded with, where their format does not say why episodes ended
    (default: the env's registered limit)."""
    t = demos.transitions
    where = f"demos for {env_id}"
    if demos.env_id is not None and demos.env_id != env_id:
        raise DemoError(f"{where}: the demos were recorded on {demos.env_id!r}")
    if t.obs.shape[1:] != obs_space.shape:
        raise DemoError(f"{where}: obs shape per step is {t.obs.shape[1:]}, the env's is {obs_space.shape}")
    expected = act_shape(act_space)
    if isinstance(act_space, gym.spaces.Discrete):
        try:
            acts = as_discrete_actions(t.acts, act_space)
        except ValueError as e:
            raise DemoError(f"{where}: {e}") from None
    else:
        acts = t.acts.astype(np.float32)
        if acts.shape[1:] != expected:
            raise DemoError(f"{where}: action shape per step is {acts.shape[1:]}, the env's is {expected}")
        low, high = act_space.low, act_space.high
        outside = int(np.sum((acts < low - 1e-6) | (acts > high + 1e-6)))
        if outside:
            warnings.warn(f"{where}: clipped {outside} action values outside the action bounds", stacklevel=2)
            acts = np.clip(acts, low, high)
    terminated, truncated, meta = t.terminated, t.truncated, demos.metadata
    if meta.get("ends") == AMBIGUOUS_ENDS:
        terminated, truncated = _ends_by_time_limit(t, env_id, where, time_limit)
        meta = {**meta, "ends": "terminated or truncated by the env's time limit"}
    fixed = Transitions(t.obs, acts, t.next_obs, terminated, truncated, t.rews)
    return DemoSet(fixed, meta)


def _ends_by_time_limit(t: Transitions, env_id: str, where: str,
                        limit: int | None) -> tuple[np.ndarray, np.ndarray]:
    """(terminated, truncated) for demos whose ``terminated`` means only 'the episode
    finished': an episode that lasted the time limit (``limit``, else the env's) was
    truncated, a shorter one terminated."""
    if limit is None:
        try:
            limit = gym.spec(env_id).max_episode_steps
        except gym.error.Error:
            limit = None
    terminated, truncated = t.terminated.copy(), t.truncated.copy()
    timed_out = 0
    for s in t.episode_slices():
        last = s.stop - 1
        if terminated[last] and limit is not None and s.stop - s.start >= limit:
            terminated[last], truncated[last] = False, True
            timed_out += 1
    finished = int(t.terminated.sum())
    limit_text = f"the time limit ({limit} steps)" if limit is not None else "a time limit (the env has none)"
    warnings.warn(f"{where}: the demo format does not say why an episode ended; read {timed_out} of {finished} "
                  f"finished episodes as cut by {limit_text} and the rest as terminal", stacklevel=3)
    return terminated, truncated


def record_episodes(act: Callable[[np.ndarray], np.ndarray], env: gym.Env, *, episodes: int, seed: int) -> Transitions:
    """Roll out ``act`` (obs (1, *obs_shape) -> act (1, *act_shape)) for whole episodes."""
    rows: dict[str, list] = {k: [] for k in ("obs", "acts", "next_obs", "terminated", "truncated", "rews")}
    for i in range(episodes):
        obs, _ = env.reset(seed=seed + i)
        done = False
        while not done:
            action = np.asarray(act(obs[None])[0])
            next_obs, rew, terminated, truncated, _ = env.step(action)
            for k, v in zip(rows, (obs, action, next_obs, terminated, truncated, rew)):
                rows[k].append(v)
            obs, done = next_obs, terminated or truncated
    return Transitions(
        obs=np.asarray(rows["obs"], dtype=np.float32),
        acts=np.asarray(rows["acts"]),
        next_obs=np.asarray(rows["next_obs"], dtype=np.float32),
        terminated=np.asarray(rows["terminated"], dtype=bool),
        truncated=np.asarray(rows["truncated"], dtype=bool),
        rews=np.asarray(rows["rews"], dtype=np.float32),
    )


def card_for(env: gym.Env, env_id: str, t: Transitions, **extra: Any) -> dict[str, Any]:
    """The metadata of freshly recorded demos."""
    slices = t.episode_slices()
    return {
        "env_id": env_id,
        "observation_space": space_to_json(env.observation_space),
        "action_space": space_to_json(env.action_space),
        "n_episodes": len(slices),
        **({} if t.rews is None else {"episode_returns": [float(t.rews[s].sum()) for s in slices]}),
        "episode_lengths": [s.stop - s.start for s in slices],
        **extra,
    }
