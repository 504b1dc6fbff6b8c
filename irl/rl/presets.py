"""The inner loop's part of the task recipes: tuned stable-baselines3 settings per task.

Each recipe (``irl/recipes/*.toml``, format: docs/how-to/recipes.md) holds a ``[ppo]`` and a
``[sac]`` table: the settings of the RL algorithm every learner trains on that task, and the
plain agent beside it on the true reward. This module reads those tables; the rest of a
recipe (the adversarial settings per learner, the measurements) is read by
:mod:`irl.runs.recipes`. Both tables are plain data: keyword arguments of the SB3
constructor plus irl's own ``n_envs``, ``normalize_obs`` (wrap the env in VecNormalize for
the policy) and, for SAC, ``round_steps`` (environment steps per discriminator round).
"""

from __future__ import annotations

import copy
import sys
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from irl.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ALGOS = ("ppo", "sac")
IRL_DEFAULTS: dict[str, dict[str, Any]] = {
    "ppo": {"n_envs": 1, "normalize_obs": True},
    "sac": {"n_envs": 1, "normalize_obs": False},
}
"""irl's own inner-loop settings where a recipe does not give them (the rest: SB3's defaults)."""

_RATE = (float, str)  # a number, or rl-zoo3's 'lin_X' (linear decay from X to 0)
RL_KEYS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "ppo": {
        "n_envs": int, "normalize_obs": bool,
        "learning_rate": _RATE, "n_steps": int, "batch_size": int, "n_epochs": int, "gamma": float,
        "gae_lambda": float, "clip_range": _RATE, "clip_range_vf": _RATE, "normalize_advantage": bool,
        "ent_coef": float, "vf_coef": float, "max_grad_norm": float, "use_sde": bool, "sde_sample_freq": int,
        "target_kl": float, "stats_window_size": int, "policy_kwargs": dict,
    },
    "sac": {
        "n_envs": int, "normalize_obs": bool, "round_steps": int,
        "learning_rate": _RATE, "buffer_size": int, "learning_starts": int, "batch_size": int, "tau": float,
        "gamma": float, "train_freq": int, "gradient_steps": int, "ent_coef": (float, str),
        "target_update_interval": int, "target_entropy": (float, str), "use_sde": bool, "sde_sample_freq": int,
        "use_sde_at_warmup": bool, "optimize_memory_usage": bool, "stats_window_size": int, "policy_kwargs": dict,
    },
}
"""The settings a recipe's ``[ppo]`` / ``[sac]`` table (and ``--hyper``) may hold, with their
TOML types; every key but irl's own is an argument of SB3's PPO / SAC (tests check it)."""

GENERIC = "generic"
"""The recipe of every task that has none of its own."""


def type_name(kind: type | tuple[type, ...]) -> str:
    names = {int: "a whole number", float: "a number", str: "a string", bool: "true or false",
             dict: "a table", list: "an array", tuple: "an array"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names[k] for k in kinds)


def fits(value: Any, kind: type | tuple[type, ...]) -> bool:
    """Whether a TOML value has ``kind`` (a whole number is a number too; true is not a number)."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool):
        return bool in kinds
    return any(isinstance(value, k) or (k is float and isinstance(value, int)) for k in kinds)


def check_rl_table(table: Any, algo: str, where: str) -> dict[str, Any]:
    """``table`` if every key is a setting of ``algo`` with the right type, else ConfigError
    naming ``where`` (the file and the table), the key and what was expected."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table of {algo.upper()} settings, found {table!r}")
    known = RL_KEYS[algo]
    for key, value in table.items():
        if key not in known:
            raise ConfigError(f"{where}: unknown {algo.upper()} setting {key!r} (expected one of "
                              f"{', '.join(sorted(known))})")
        if not fits(value, known[key]):
            raise ConfigError(f"{where}.{key}: expected {type_name(known[key])}, found {value!r}")
    return table


def packaged_folder() -> Path:
    """The folder of the recipes shipped with irl (the package data ``irl/recipes``)."""
    return Path(str(resources.files("irl.recipes")))


def recipe_files() -> list[Path]:
    """The recipes shipped in the package (``irl/recipes/*.toml``), sorted by name."""
    return sorted(packaged_folder().glob("*.toml"))


def read_toml(path: str | Path) -> dict[str, Any]:
    """A TOML file as a dict; a missing or malformed file is a one-line ConfigError."""
    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read recipe {path}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None


@cache
def _task_files() -> dict[str, Path]:
    """{task id: the shipped recipe that lists it}."""
    found: dict[str, Path] = {}
    for path in recipe_files():
        for task in read_toml(path).get("tasks", []):
            if task in found:
                raise ConfigError(f"{path}: task {task!r} already has a recipe, {found[task].name}")
            found[task] = path
    return found


def task_recipe_file(env_id: str) -> Path | None:
    """The shipped recipe of ``env_id``, or None (the task trains with generic.toml)."""
    return _task_files().get(env_id)


def generic_recipe_file() -> Path:
    return next(p for p in recipe_files() if p.stem == GENERIC)


def preset(algo: str, env_id: str) -> dict[str, Any]:
    """A deep copy of the tuned settings of ``algo`` ('ppo' or 'sac') on ``env_id``: the
    ``[algo]`` table of the task's recipe (generic.toml for a task without one) over
    :data:`IRL_DEFAULTS`. The learner-specific lines of a recipe are not in it."""
    if algo not in ALGOS:
        raise ConfigError(f"algo must be one of {ALGOS}, got {algo!r}")
    path = task_recipe_file(env_id) or generic_recipe_file()
    table = check_rl_table(read_toml(path).get(algo, {}), algo, f"{path} [{algo}]")
    return copy.deepcopy({**IRL_DEFAULTS[algo], **table})


def rollout_steps(algo: str, hyper: dict[str, Any]) -> int:
    """Environment steps SB3 takes between two checks of its budget: PPO's rollout
    (n_steps per env), SAC's train_freq in steps (one step per env where it counts episodes)."""
    n_envs = int(hyper.get("n_envs", 1))
    if algo == "ppo":
        return int(hyper.get("n_steps", 2048)) * n_envs
    freq = hyper.get("train_freq", 1)
    if isinstance(freq, (list, tuple)):
        freq = int(freq[0]) if len(freq) < 2 or freq[1] == "step" else 1
    return int(freq) * n_envs
