"""Training state that the RL side holds, as tensors + JSON (no pickle): torch optimisers and
one env's dynamic state (MuJoCo physics or a classic-control ``state``, wrapper counters, RNG).

:mod:`irl.runs.checkpoint` writes these into a run's checkpoint.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch


def flatten_optimizer(state: dict) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """A torch optimizer state_dict as flat tensors + JSON (no pickle)."""
    tensors, per_param = {}, {}
    for idx, entry in state["state"].items():
        per_param[str(idx)] = {}
        for name, value in entry.items():
            if isinstance(value, torch.Tensor):
                tensors[f"{idx}.{name}"] = value
            else:
                per_param[str(idx)][name] = value
    return tensors, {"param_groups": state["param_groups"], "scalars": per_param}


def unflatten_optimizer(tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> dict:
    state: dict[int, dict[str, Any]] = {int(i): dict(v) for i, v in meta["scalars"].items()}
    for key, value in tensors.items():
        idx, name = key.split(".", 1)
        state.setdefault(int(idx), {})[name] = value
    return {"state": state, "param_groups": meta["param_groups"]}


def env_state(env: gym.Env) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """One Monitor-wrapped env's dynamic state: MuJoCo physics (mj_getState) or a
    classic-control ``state`` array, the time limit's step count, the monitor's episode
    so far, and the env's RNG. ``meta['exact']`` says whether all of it was captured."""
    import mujoco

    tensors: dict[str, torch.Tensor] = {}
    meta: dict[str, Any] = {"exact": True}
    layer = env
    while isinstance(layer, gym.Wrapper):
        if hasattr(layer, "needs_reset") and hasattr(layer, "rewards"):  # SB3's Monitor
            meta["monitor"] = {"rewards": [float(r) for r in layer.rewards], "needs_reset": layer.needs_reset,
                               "total_steps": layer.total_steps}
        if isinstance(layer, gym.wrappers.TimeLimit):
            meta["elapsed_steps"] = layer._elapsed_steps
        layer = layer.env
    base = env.unwrapped
    meta["np_random"] = base.np_random.bit_generator.state
    if hasattr(base, "data") and isinstance(getattr(base, "data"), mujoco.MjData):
        spec = mujoco.mjtState.mjSTATE_INTEGRATION
        physics = np.empty(mujoco.mj_stateSize(base.model, spec))
        mujoco.mj_getState(base.model, base.data, physics, spec)
        tensors["mujoco"] = torch.as_tensor(physics)
    elif isinstance(getattr(base, "state", None), np.ndarray):
        tensors["state"] = torch.as_tensor(base.state.copy())
    else:
        meta["exact"] = False
    return tensors, meta


def load_env_state(env: gym.Env, tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
    import mujoco

    layer = env
    while isinstance(layer, gym.Wrapper):
        if hasattr(layer, "needs_reset") and hasattr(layer, "rewards") and "monitor" in meta:
            layer.rewards = list(meta["monitor"]["rewards"])
            layer.needs_reset = meta["monitor"]["needs_reset"]
            layer.total_steps = meta["monitor"]["total_steps"]
        if isinstance(layer, gym.wrappers.TimeLimit) and "elapsed_steps" in meta:
            layer._elapsed_steps = meta["elapsed_steps"]
        if hasattr(layer, "_has_reset"):  # OrderEnforcing: the env was reset before the checkpoint
            layer._has_reset = True
        for checked in ("checked_reset", "checked_step", "checked_data_reuse"):  # PassiveEnvChecker: done before
            if hasattr(layer, checked):
                setattr(layer, checked, True)
        layer = layer.env
    base = env.unwrapped
    base.np_random.bit_generator.state = meta["np_random"]
    if "mujoco" in tensors:
        physics = tensors["mujoco"].numpy()
        mujoco.mj_setState(base.model, base.data, physics, mujoco.mjtState.mjSTATE_INTEGRATION)
    elif "state" in tensors:
        base.state = tensors["state"].numpy().copy()
