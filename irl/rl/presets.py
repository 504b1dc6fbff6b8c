"""Tuned stable-baselines3 hyperparameters per task.

PPO and SAC settings follow rl-baselines3-zoo's published tuned values
(``hyperparams/ppo.yml``, ``hyperparams/sac.yml``) for the v3 MuJoCo tasks,
which share dynamics and observation layout with v5, except Hopper, which gets
SB3's defaults (the zoo's preset does not learn to hop; see below). Unknown
tasks get SB3's defaults with observation normalisation: a reasonable start,
not a tuned one.

Each preset is plain data: keyword arguments for the SB3 constructor plus
``n_envs`` and ``normalize_obs`` (wrap the env in VecNormalize for the policy).
"""

from __future__ import annotations

import copy
from typing import Any

# rl-zoo3's MuJoCo policy network: separate 256x256 ReLU actor and critic.
_ZOO_MUJOCO_NET = {
    "log_std_init": -2.0,
    "ortho_init": False,
    "activation_fn": "relu",
    "net_arch": {"pi": [256, 256], "vf": [256, 256]},
}

PPO_PRESETS: dict[str, dict[str, Any]] = {
    "Pendulum-v1": {
        "n_envs": 4, "normalize_obs": False,
        "n_steps": 1024, "gae_lambda": 0.95, "gamma": 0.9, "n_epochs": 10,
        "ent_coef": 0.0, "learning_rate": 1e-3, "clip_range": 0.2,
        "use_sde": True, "sde_sample_freq": 4,
    },
    "HalfCheetah-v5": {
        "n_envs": 1, "normalize_obs": True,
        "batch_size": 64, "n_steps": 512, "gamma": 0.98,
        "learning_rate": 2.0633e-05, "ent_coef": 0.000401762, "clip_range": 0.1,
        "n_epochs": 20, "gae_lambda": 0.92, "max_grad_norm": 0.8,
        "vf_coef": 0.58096, "policy_kwargs": _ZOO_MUJOCO_NET,
    },
    "Walker2d-v5": {
        "n_envs": 1, "normalize_obs": True,
        "batch_size": 32, "n_steps": 512, "gamma": 0.99,
        "learning_rate": 5.05041e-05, "ent_coef": 0.000585045, "clip_range": 0.1,
        "n_epochs": 20, "gae_lambda": 0.95, "max_grad_norm": 1.0,
        "vf_coef": 0.871923, "policy_kwargs": _ZOO_MUJOCO_NET,
    },
}

# The point maze of irl.envs (100-step episodes, a 2-D point): small nets, many short rollouts.
_MAZE_PPO = {
    "n_envs": 4, "normalize_obs": True,
    "n_steps": 256, "batch_size": 256, "n_epochs": 10, "gamma": 0.99, "gae_lambda": 0.95,
    "learning_rate": 3e-4, "ent_coef": 0.0, "clip_range": 0.2,
    "policy_kwargs": {"net_arch": {"pi": [64, 64], "vf": [64, 64]}},
}
PPO_PRESETS["irl/PointMazeLeft-v0"] = _MAZE_PPO
PPO_PRESETS["irl/PointMazeRight-v0"] = _MAZE_PPO

# SB3's PPO defaults (64x64 tanh nets, log-std 0, 2048-step rollouts, 10 epochs) with normalised
# observations. AIRL's ants (irl.envs, 500-step episodes, no early end) use it as rl-zoo3's Ant does.
_SB3_DEFAULT_PPO = {
    "n_envs": 1, "normalize_obs": True,
    "n_steps": 2048, "batch_size": 64, "n_epochs": 10, "gamma": 0.99, "gae_lambda": 0.95,
    "learning_rate": 3e-4, "ent_coef": 0.0, "clip_range": 0.2,
}
PPO_PRESETS["irl/CustomAnt-v0"] = _SB3_DEFAULT_PPO
PPO_PRESETS["irl/DisabledAnt-v0"] = _SB3_DEFAULT_PPO
# Hopper: SB3's defaults, not rl-zoo3's tuned Hopper preset (256x256 ReLU, log-std -2, lr 9.8e-5),
# which stands still on the true reward where SB3's defaults hop (the comparison: docs/benchmarks.md).
PPO_PRESETS["Hopper-v5"] = _SB3_DEFAULT_PPO

SAC_PRESETS: dict[str, dict[str, Any]] = {
    "Pendulum-v1": {"n_envs": 1, "normalize_obs": False, "learning_rate": 1e-3},
    "HalfCheetah-v5": {"n_envs": 1, "normalize_obs": False, "learning_starts": 10_000},
    "Hopper-v5": {"n_envs": 1, "normalize_obs": False, "learning_starts": 10_000},
    "Walker2d-v5": {"n_envs": 1, "normalize_obs": False, "learning_starts": 10_000},
}

_DEFAULTS = {
    "ppo": {"n_envs": 1, "normalize_obs": True},
    "sac": {"n_envs": 1, "normalize_obs": False},
}


def preset(algo: str, env_id: str) -> dict[str, Any]:
    """A deep copy of the tuned settings of ``algo`` ('ppo' or 'sac') on ``env_id``."""
    table = {"ppo": PPO_PRESETS, "sac": SAC_PRESETS}[algo]
    return copy.deepcopy(table.get(env_id, _DEFAULTS[algo]))
