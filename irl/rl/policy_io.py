"""Policies on disk: SB3 zips, their pickle-free copies and observation statistics.

An SB3 ``.zip`` unpickles when loaded, so next to every policy we save we also
write a pickle-free copy (``NAME.spec.json`` + ``NAME.weights.safetensors``)
and the VecNormalize observation statistics as ``NAME.obs_norm.npz``;
:class:`Policy` prefers those and touches the zip only when they are missing.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3 import PPO, SAC
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.vec_env import VecEnv, VecEnvWrapper, VecNormalize

from irl.data.spaces import space_from_json, space_to_json
from irl.errors import ConfigError

ACTIVATIONS = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "elu": torch.nn.ELU}
"""Activation names in presets and pickle-free specs."""


def save_obs_norm(venv: VecNormalize, path: Path) -> None:
    """Write VecNormalize's observation statistics as a pickle-free ``.npz``."""
    np.savez(
        path,
        mean=venv.obs_rms.mean,
        var=venv.obs_rms.var,
        count=np.float64(venv.obs_rms.count),
        clip_obs=np.float64(venv.clip_obs),
        epsilon=np.float64(venv.epsilon),
    )


def restore_obs_norm(venv: VecNormalize, path: Path) -> None:
    """Load the observation statistics :func:`save_obs_norm` wrote into ``venv`` (to train on)."""
    if not path.is_file():
        raise ConfigError(f"{path} is missing: the observation statistics of the policy to continue")
    with np.load(path, allow_pickle=False) as data:
        venv.obs_rms.mean, venv.obs_rms.var = data["mean"].copy(), data["var"].copy()
        venv.obs_rms.count = float(data["count"])


def wrap_obs_norm(venv: VecEnv, *, training: bool, norm_reward: bool = False, gamma: float = 0.99) -> VecNormalize:
    """VecNormalize of observations (and of the env's reward when ``norm_reward``)."""
    return VecNormalize(venv, training=training, norm_obs=True, norm_reward=norm_reward, gamma=gamma)


def obs_norm_path(policy_path: Path) -> Path:
    """Where the observation statistics of a saved policy live."""
    return policy_path.with_name(policy_path.stem + ".obs_norm.npz")


def save_agent(agent: BaseAlgorithm, venv: VecEnv, path: Path) -> None:
    """Save ``agent`` as an ordinary SB3 zip, its obs statistics if normalised, and a
    pickle-free copy of the policy (weights + JSON spec, :func:`save_safe_policy`)."""
    agent.save(path)
    norm = _find_vec_normalize(venv)
    if norm is not None:
        save_obs_norm(norm, obs_norm_path(path))
    save_safe_policy(agent, path)


def safe_policy_paths(path: Path) -> tuple[Path, Path]:
    """Where the pickle-free copy of a saved policy lives: (spec JSON, safetensors weights)."""
    stem = path.name.removesuffix(".zip").removesuffix(".spec.json")
    return path.with_name(stem + ".spec.json"), path.with_name(stem + ".weights.safetensors")


_POLICY_CLASSES = {"ppo": "stable_baselines3.common.policies.ActorCriticPolicy",
                   "sac": "stable_baselines3.sac.policies.SACPolicy"}
_SKIPPED_KWARGS = ("observation_space", "action_space", "lr_schedule", "optimizer_class", "optimizer_kwargs",
                   "features_extractor_class", "features_extractor_kwargs")


def save_safe_policy(agent: BaseAlgorithm, path: Path) -> bool:
    """Write the policy's weights (safetensors) and a JSON spec to rebuild it, beside
    ``path``; False (nothing written) for policies it cannot describe as data."""
    from safetensors.torch import save_file
    from stable_baselines3.common.torch_layers import FlattenExtractor

    algo = "sac" if isinstance(agent, SAC) else "ppo" if isinstance(agent, PPO) else None
    params = agent.policy._get_constructor_parameters()
    if algo is None or params.get("features_extractor_class") is not FlattenExtractor or params.get(
            "features_extractor_kwargs"):
        return False
    kwargs = {k: v for k, v in params.items() if k not in _SKIPPED_KWARGS}
    names = {cls: name for name, cls in ACTIVATIONS.items()}
    if kwargs.get("activation_fn") not in names:
        return False
    kwargs["activation_fn"] = names[kwargs["activation_fn"]]
    spec = {"format": "irl-policy", "version": 1, "algo": algo, "policy_class": _POLICY_CLASSES[algo],
            "observation_space": space_to_json(agent.observation_space),
            "action_space": space_to_json(agent.action_space), "policy_kwargs": kwargs}
    try:
        text = json.dumps(spec, indent=2)
    except TypeError:
        return False
    spec_path, weights_path = safe_policy_paths(path)
    save_file({k: v.contiguous() for k, v in agent.policy.state_dict().items()}, str(weights_path))
    spec_path.write_text(text)
    return True


def load_safe_policy(spec_path: Path):
    """Rebuild an SB3 policy from :func:`save_safe_policy`'s files, unpickling nothing."""
    from safetensors.torch import load_file
    from stable_baselines3.common.policies import ActorCriticPolicy
    from stable_baselines3.sac.policies import SACPolicy

    _, weights_path = safe_policy_paths(spec_path)
    try:
        spec = json.loads(spec_path.read_text())
        cls = {_POLICY_CLASSES["ppo"]: ActorCriticPolicy, _POLICY_CLASSES["sac"]: SACPolicy}[spec["policy_class"]]
        kwargs = dict(spec["policy_kwargs"])
        kwargs["activation_fn"] = ACTIVATIONS[kwargs["activation_fn"]]
        with torch.random.fork_rng():  # construction draws initial weights
            policy = cls(space_from_json(spec["observation_space"]), space_from_json(spec["action_space"]),
                         lambda _: 0.0, **kwargs)
        policy.load_state_dict(load_file(str(weights_path)))
    except Exception as exc:  # noqa: BLE001 - any unreadable spec or weights is one user-facing problem
        raise ConfigError(f"{spec_path} with {weights_path.name} is not a loadable irl policy "
                          f"({type(exc).__name__}: {exc})") from None
    policy.set_training_mode(False)
    return policy


def _find_vec_normalize(venv: VecEnv) -> VecNormalize | None:
    while isinstance(venv, VecEnvWrapper):
        if isinstance(venv, VecNormalize):
            return venv
        venv = venv.venv
    return None


class Policy:
    """A saved SB3 policy as a function of raw observations.

    ``path`` is an SB3 ``.zip`` or the ``.spec.json`` of its pickle-free copy. When that
    copy (``NAME.spec.json`` + ``NAME.weights.safetensors``, written by irl beside every
    policy it saves) exists, it is used and nothing is unpickled. Otherwise SB3 loads the
    ``.zip``, which unpickles parts of it: load only policies you trust.
    """

    def __init__(self, path: str | Path, *, device: str = "cpu") -> None:
        path = Path(path)
        spec_path, weights_path = safe_policy_paths(path)
        if spec_path.is_file() and weights_path.is_file():
            self.policy = load_safe_policy(spec_path)
            self.unpickled = False
        elif not path.is_file() or path.suffix != ".zip":
            raise ConfigError(f"policy file {path} does not exist (expected an SB3 .zip, or a .spec.json with "
                              "its .weights.safetensors)")
        else:
            self.policy = _algorithm_of(path).load(path, device=device).policy
            self.unpickled = True
        self.policy.set_training_mode(False)
        self.obs_rms: tuple[np.ndarray, np.ndarray, float, float] | None = None
        stats = obs_norm_path(path)
        pickled = path.parent / "vecnormalize.pkl"
        if not stats.is_file() and pickled.is_file():
            raise ConfigError(f"{path} has observation statistics only as {pickled}, which irl does not unpickle; "
                              f"convert it once with: python scripts/convert_vecnormalize.py {pickled} {path}")
        if stats.is_file():
            with np.load(stats, allow_pickle=False) as data:
                self.obs_rms = (data["mean"], data["var"], float(data["clip_obs"]), float(data["epsilon"]))

    @property
    def observation_space(self) -> gym.Space:
        return self.policy.observation_space

    @property
    def action_space(self) -> gym.Space:
        return self.policy.action_space

    def normalize(self, obs: np.ndarray) -> np.ndarray:
        if self.obs_rms is None:
            return obs
        mean, var, clip, eps = self.obs_rms
        return np.clip((obs - mean) / np.sqrt(var + eps), -clip, clip).astype(np.float32)

    def act(self, obs: np.ndarray, *, deterministic: bool = False) -> np.ndarray:
        """obs: (B, *obs_shape) raw -> actions (B, *act_shape), clipped to the space.

        A gSDE policy draws fresh exploration noise at every call, as in training
        (SB3's ``predict`` would keep one noise matrix for the whole evaluation)."""
        use_sde = getattr(self.policy, "use_sde", None) or getattr(getattr(self.policy, "actor", None), "use_sde", False)
        if not deterministic and use_sde:
            self.policy.reset_noise(len(obs))
        action, _ = self.policy.predict(self.normalize(obs), deterministic=deterministic)
        return action


def _algorithm_of(path: Path) -> type[BaseAlgorithm]:
    """Which SB3 algorithm saved ``path``, read from the zip's JSON (no unpickling)."""
    try:
        with zipfile.ZipFile(path) as zf:
            data = json.loads(zf.read("data"))
        module = str(data["policy_class"]["__module__"])  # e.g. stable_baselines3.sac.policies
    except (zipfile.BadZipFile, KeyError, TypeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path} is not an SB3 policy zip ({exc})") from None
    if ".sac." in module:
        return SAC
    if "clip_range" in data and "n_epochs" in data:  # PPO saves its ActorCriticPolicy from common.policies
        return PPO
    raise ConfigError(f"{path} was saved by an SB3 algorithm irl does not load ({module}); supported: ppo, sac")
