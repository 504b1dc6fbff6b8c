"""The SB3 boundary (with :mod:`irl.rl.policy_io`, policies on disk).

Everything else talks to :class:`Generator` (the adversarial inner loop) and
to the few helpers here, so SB3's classes do not leak through the library.

How the learned reward reaches SB3 without per-step overhead
-------------------------------------------------------------
The training env returns reward 0 and records each transition
(raw obs, act, next_obs, terminated) beside SB3. When a PPO rollout is
complete, our rollout buffer asks a callback for the rewards of the whole
rollout in one batch (``(n_steps, n_envs)``), adds them to what SB3 already
stored there (only its time-limit bootstrap terms γ·V(s_T)), and then
computes GAE as usual. The callback is where the trainer updates the
discriminator, so each rollout is rewarded by the discriminator that has
just seen it.
"""

from __future__ import annotations

import inspect
from collections import deque
from pathlib import Path
from typing import Any, Callable

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3 import PPO, SAC
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.buffers import RolloutBuffer
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.vec_env import (
    DummyVecEnv,
    VecEnv,
    VecEnvWrapper,
    VecNormalize,
)
from stable_baselines3.sac.policies import SACPolicy

from irl.data.types import Transitions
from irl.errors import ConfigError, EnvError
from irl.rl.policy_io import (
    ACTIVATIONS,
    obs_norm_path,
    restore_obs_norm,
    save_agent,
    wrap_obs_norm,
)
from irl.rl.state import (
    env_state,
    flatten_optimizer,
    load_env_state,
    unflatten_optimizer,
)

ALGORITHMS: dict[str, type[BaseAlgorithm]] = {"ppo": PPO, "sac": SAC}
IRL_KEYS = ("n_envs", "normalize_obs", "round_steps")
"""Preset entries irl reads itself (envs, observation normalisation, SAC's steps per
discriminator round); the rest are SB3 constructor arguments."""


def make_env(env_id: str, **kwargs: Any) -> gym.Env:
    """``gym.make`` with a one-line error for unknown ids."""
    try:
        return gym.make(env_id, **kwargs)
    except gym.error.Error as exc:  # NameNotFound, VersionNotFound, ...
        raise EnvError(f"unknown env id {env_id!r}: {exc}") from None


def make_vec_env(env_id: str, n_envs: int, seed: int) -> DummyVecEnv:
    """``n_envs`` Monitor-wrapped copies of ``env_id``, env i seeded ``seed + i``."""
    make_env(env_id).close()  # fail early and clearly on an unknown id
    venv = DummyVecEnv([lambda: Monitor(make_env(env_id)) for _ in range(n_envs)])
    venv.seed(seed)
    return venv


def uniform_random_episodes(env_id: str, *, episodes: int, seed: int) -> Transitions:
    """Whole episodes of a uniform-random policy on ``env_id`` (actions drawn from the space
    seeded with ``seed``, episode i reset with ``seed + i``)."""
    from irl.data.demos import record_episodes

    env = make_env(env_id)
    space = env.action_space
    space.seed(seed)
    try:
        return record_episodes(lambda o: np.asarray(space.sample())[None], env, episodes=episodes, seed=seed)
    finally:
        env.close()


class LinearSchedule:
    """rl-zoo3's ``lin_X`` for a rate: X · (fraction of the run left), from X down to 0.

    SB3 calls it with ``progress_remaining`` (1 at the start, 0 at the end). SB3 2.9 has its
    own ``LinearSchedule``, but not the 2.3 that setup.cfg allows, whose ``get_linear_fn`` is
    deprecated in 2.9; this one works on both."""

    def __init__(self, start: float):
        self.start = start

    def __call__(self, progress_remaining: float) -> float:
        return progress_remaining * self.start

    def __repr__(self) -> str:
        return f"lin_{self.start:g}"


class RestartedSchedule:
    """An SB3 schedule run over again from progress ``progress_at_start`` p0 (the fraction
    of the run left when it restarts): ``schedule(min(1, p / p0))``, so its whole course
    (e.g. a linear decay to 0) fits into the rest of the run. For a policy re-initialised
    mid-run, which should learn as a fresh agent would."""

    def __init__(self, schedule: Callable[[float], float], progress_at_start: float):
        if not 0.0 < progress_at_start <= 1.0:
            raise ValueError(f"progress_at_start must be in (0, 1], got {progress_at_start}")
        self.schedule, self.progress_at_start = schedule, progress_at_start

    def __call__(self, progress_remaining: float) -> float:
        return self.schedule(min(1.0, progress_remaining / self.progress_at_start))

    def __repr__(self) -> str:
        return f"{self.schedule!r} restarted at progress {self.progress_at_start:g}"


SCHEDULABLE = ("learning_rate", "clip_range")
AGENT_SCHEDULES = ("lr_schedule", "clip_range", "clip_range_vf")
"""The SB3 agent's attributes that are schedules (functions of the progress remaining)."""


def _schedule(key: str, value: str) -> LinearSchedule:
    """'lin_3e-4' -> LinearSchedule(3e-4); anything else is a ConfigError."""
    try:
        start = float(value.removeprefix("lin_")) if value.startswith("lin_") else None
    except ValueError:
        start = None
    if start is None or not np.isfinite(start) or start <= 0:
        raise ConfigError(f"{key} must be a positive number or 'lin_<positive number>' (linear decay to 0), "
                          f"got {value!r}")
    return LinearSchedule(start)


def sb3_kwargs(hyper: dict[str, Any]) -> dict[str, Any]:
    """Turn a preset (plain data) into SB3 constructor keyword arguments.

    ``learning_rate`` and ``clip_range`` may be ``'lin_X'`` (rl-zoo3's notation): a linear
    decay from X to 0 over the run."""
    kwargs = {k: v for k, v in hyper.items() if k not in IRL_KEYS}
    for key in SCHEDULABLE:
        if isinstance(kwargs.get(key), str):
            kwargs[key] = _schedule(key, kwargs[key])
    policy_kwargs = dict(kwargs.pop("policy_kwargs", {}))
    if isinstance(policy_kwargs.get("activation_fn"), str):
        policy_kwargs["activation_fn"] = ACTIVATIONS[policy_kwargs["activation_fn"]]
    if isinstance(policy_kwargs.get("net_arch"), dict):  # SB3 >= 1.8 takes the dict itself
        policy_kwargs["net_arch"] = dict(policy_kwargs["net_arch"])
    if policy_kwargs:
        kwargs["policy_kwargs"] = policy_kwargs
    return kwargs


def build_agent(
    algo: str, venv: VecEnv, *, hyper: dict[str, Any], seed: int, tensorboard_log: str | None = None,
    **extra: Any,
) -> BaseAlgorithm:
    """An SB3 ``algo`` ('ppo' or 'sac') on ``venv`` with preset ``hyper``."""
    if algo not in ALGORITHMS:
        raise ConfigError(f"algorithm must be one of {sorted(ALGORITHMS)}, got {algo!r}")
    kwargs = sb3_kwargs(hyper)
    reserved = {"policy", "env", "seed", "verbose", "device", "tensorboard_log", *extra}  # set by irl
    accepted = {p for p in inspect.signature(ALGORITHMS[algo]).parameters if not p.startswith("_")} - reserved
    unknown = sorted(set(kwargs) - accepted)
    if unknown:
        raise ConfigError(f"{algo.upper()} settings {', '.join(unknown)} are not accepted here (accepted: "
                          f"{', '.join(sorted(accepted))})")
    return ALGORITHMS[algo](
        "MlpPolicy", venv, seed=seed, verbose=0, device="cpu",
        tensorboard_log=tensorboard_log, **kwargs, **extra,
    )


# --------------------------------------------------------------------------
# The adversarial inner loop.

RolloutRewardFn = Callable[[Transitions, list[float]], np.ndarray]
"""(rollout transitions in time-major order (n_steps * n_envs), true returns of the
episodes that ended in it) -> learned rewards (n_steps * n_envs,)."""


class _TransitionVecEnv(VecEnvWrapper):
    """Remembers the observation each action was taken in, so that step_wait can see
    whole transitions, with the real last state at an episode's end (SB3 auto-resets)."""

    def __init__(self, venv: VecEnv) -> None:
        super().__init__(venv)
        self._obs: np.ndarray | None = None
        self._actions: np.ndarray | None = None

    def reset(self) -> np.ndarray:
        self._obs = self.venv.reset()
        return self._obs

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = actions
        self.venv.step_async(actions)

    def _advance(self, obs: np.ndarray, dones: np.ndarray, infos: list[dict]) -> tuple[np.ndarray, ...]:
        """The step just taken: (obs, actions, next_obs, terminated, truncated), each
        (n_envs, ...); then ``obs`` becomes the observation of the next step."""
        next_obs = obs.copy()
        truncated = np.zeros(self.num_envs, dtype=bool)
        for i in np.flatnonzero(dones):
            next_obs[i] = infos[i]["terminal_observation"]
            truncated[i] = bool(infos[i].get("TimeLimit.truncated", False))
        step = (self._obs, np.array(self._actions), next_obs, dones.astype(bool) & ~truncated, truncated)
        self._obs = obs
        return step


class TransitionRecorder(_TransitionVecEnv):
    """Records raw (obs, act, next_obs, terminated, truncated, true rew) and hands SB3
    a reward of 0: the learned reward is added to the rollout buffer in one batch."""

    def __init__(self, venv: VecEnv) -> None:
        super().__init__(venv)
        self.rows: list[tuple[np.ndarray, ...]] = []
        self.episode_returns: list[float] = []

    def step_wait(self):
        obs, rews, dones, infos = self.venv.step_wait()
        self.rows.append((*self._advance(obs, dones, infos), rews))
        self.episode_returns += [float(infos[i]["episode"]["r"]) for i in np.flatnonzero(dones)
                                 if "episode" in infos[i]]
        return obs, np.zeros_like(rews), dones, infos

    def drain(self) -> tuple[Transitions, list[float]]:
        """The transitions recorded since the last drain, time-major, and the episodes' returns."""
        cols = [np.concatenate(c) for c in zip(*self.rows)]
        t = Transitions(cols[0].astype(np.float32), cols[1], cols[2].astype(np.float32), cols[3], cols[4],
                        cols[5].astype(np.float32))
        episodes, self.rows, self.episode_returns = self.episode_returns, [], []
        return t, episodes


class _RelabelingRolloutBuffer(RolloutBuffer):
    """A PPO rollout buffer that adds the learned reward of the whole rollout, in one
    batch, just before computing GAE."""

    relabel: Callable[[], np.ndarray] | None = None

    def compute_returns_and_advantage(self, last_values: torch.Tensor, dones: np.ndarray) -> None:
        assert self.relabel is not None, "Generator installs the relabel hook"
        self.rewards += self.relabel().reshape(self.rewards.shape)  # rewards held only time-limit bootstraps
        super().compute_returns_and_advantage(last_values, dones)


class Generator:
    """An SB3 PPO agent trained on a learned reward.

    Args:
        env_id: a Gymnasium id with Box observations and Box or Discrete actions.
        hyper: preset from :mod:`irl.rl.presets` (n_envs, normalize_obs, PPO arguments).
        seed: seeds the agent and the envs.
        tensorboard_log: folder for SB3's own TensorBoard scalars, or None.
    """

    def __init__(self, env_id: str, *, hyper: dict[str, Any], seed: int, tensorboard_log: str | None = None) -> None:
        self.recorder = TransitionRecorder(make_vec_env(env_id, hyper["n_envs"], seed))
        self.venv: VecEnv = self.recorder
        if hyper["normalize_obs"]:
            self.venv = wrap_obs_norm(self.recorder, training=True)
        self.agent = build_agent("ppo", self.venv, hyper=hyper, seed=seed, tensorboard_log=tensorboard_log,
                                 rollout_buffer_class=_RelabelingRolloutBuffer)

    @property
    def gamma(self) -> float:
        return float(self.agent.gamma)

    @property
    def observation_space(self) -> gym.Space:
        return self.recorder.observation_space

    @property
    def action_space(self) -> gym.Space:
        return self.recorder.action_space

    @property
    def rollout_steps(self) -> int:
        """Environment steps per rollout (one discriminator round)."""
        return int(self.agent.n_steps * self.recorder.num_envs)

    def learn(self, total_steps: int, reward_fn: RolloutRewardFn,
              after_update: Callable[[], None] | None = None, step_reward: Callable | None = None) -> None:
        """Train until ``total_steps`` env steps in all; ``reward_fn`` rewards each finished
        rollout; ``after_update`` runs after each PPO update (the checkpoint point: no
        rollout in flight, nothing sampled yet for the next one). ``step_reward`` is for
        off-policy generators (:mod:`irl.rl.sac_generator`); PPO does not use it."""

        def relabel() -> np.ndarray:
            transitions, episode_returns = self.recorder.drain()
            return reward_fn(transitions, episode_returns)

        self.agent.rollout_buffer.relabel = relabel
        if after_update is not None:  # an instance attribute shadowing PPO.train, removed after learning
            ppo_train = self.agent.train

            def train_then_hook() -> None:
                ppo_train()
                after_update()

            self.agent.train = train_then_hook
        remaining = total_steps - self.agent.num_timesteps
        try:
            if remaining > 0:
                self.agent.learn(total_timesteps=remaining, reset_num_timesteps=False, tb_log_name="sb3")
        finally:
            self.agent.__dict__.pop("train", None)  # SB3's save would try to pickle the closure

    @property
    def steps_done(self) -> int:
        return int(self.agent.num_timesteps)

    def state(self) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        """Everything needed to continue bit for bit, between PPO updates: weights and
        optimiser, counters, last observations, observation statistics, the envs' own
        state (MuJoCo physics or classic-control ``state``, time limits, monitors, RNGs).
        Returns tensors (for safetensors) and JSON-able metadata."""
        agent = self.agent
        tensors = {f"policy.{k}": v for k, v in agent.policy.state_dict().items()}
        opt_tensors, opt_meta = flatten_optimizer(agent.policy.optimizer.state_dict())
        tensors.update({f"policy_opt.{k}": v for k, v in opt_tensors.items()})
        tensors["last_obs"] = torch.as_tensor(np.asarray(agent._last_obs))
        tensors["last_episode_starts"] = torch.as_tensor(np.asarray(agent._last_episode_starts, dtype=np.float32))
        tensors["recorder_obs"] = torch.as_tensor(np.asarray(self.recorder._obs))
        meta: dict[str, Any] = {"num_timesteps": int(agent.num_timesteps), "n_updates": int(agent._n_updates),
                                "policy_opt": opt_meta, "ep_info_buffer": list(agent.ep_info_buffer or [])}
        self._env_state_into(tensors, meta)
        return tensors, meta

    def _env_state_into(self, tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
        """Add the observation statistics and the envs' own state to a :meth:`state`."""
        if isinstance(self.venv, VecNormalize):
            tensors["obs_rms.mean"] = torch.as_tensor(self.venv.obs_rms.mean)
            tensors["obs_rms.var"] = torch.as_tensor(self.venv.obs_rms.var)
            meta["obs_rms_count"] = float(self.venv.obs_rms.count)
        meta["envs"] = []
        for i, env in enumerate(self.recorder.venv.envs):
            env_tensors, env_meta = env_state(env)
            tensors.update({f"env{i}.{k}": v for k, v in env_tensors.items()})
            meta["envs"].append(env_meta)

    def _restore_common(self, tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
        """Episode statistics, the recorder, observation statistics and envs of a :meth:`state`."""
        agent = self.agent
        agent.ep_info_buffer = deque(meta["ep_info_buffer"], maxlen=agent._stats_window_size)
        agent.ep_success_buffer = deque(maxlen=agent._stats_window_size)
        self.recorder._obs = tensors["recorder_obs"].numpy().copy()
        if isinstance(self.venv, VecNormalize):
            self.venv.obs_rms.mean = tensors["obs_rms.mean"].numpy().copy()
            self.venv.obs_rms.var = tensors["obs_rms.var"].numpy().copy()
            self.venv.obs_rms.count = meta["obs_rms_count"]
        for i, (env, env_meta) in enumerate(zip(self.recorder.venv.envs, meta["envs"])):
            prefix = f"env{i}."
            load_env_state(env, {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}, env_meta)

    def load_state(self, tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
        """Inverse of :meth:`state`."""
        agent = self.agent
        agent.policy.load_state_dict({k[7:]: v for k, v in tensors.items() if k.startswith("policy.")})
        agent.policy.optimizer.load_state_dict(unflatten_optimizer(
            {k[11:]: v for k, v in tensors.items() if k.startswith("policy_opt.")}, meta["policy_opt"]))
        agent.num_timesteps, agent._n_updates = meta["num_timesteps"], meta["n_updates"]
        agent._last_obs = tensors["last_obs"].numpy().copy()
        agent._last_episode_starts = tensors["last_episode_starts"].numpy().astype(bool)
        self._restore_common(tensors, meta)

    def log_prob(self, obs: torch.Tensor, acts: torch.Tensor) -> torch.Tensor:
        """log π(a|s) of the current policy: raw obs (B, obs_dim), acts (B, *act_shape) -> (B,)."""
        norm = self.venv if isinstance(self.venv, VecNormalize) else None
        return _policy_log_prob(self.agent.policy, norm.normalize_obs if norm else None,
                                obs, acts, self.observation_space.shape)

    def reset_policy(self, *, seed: int) -> None:
        """Re-initialise the policy's weights as SB3 draws them, from ``seed`` (the global RNG
        untouched), and clear its optimisers' state; observation statistics, envs, counters
        and the replay buffer are kept."""
        live = self.agent.policy
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            fresh = type(live)(**live._get_constructor_parameters())
        live.load_state_dict(fresh.state_dict())
        for optimizer in self._optimizers().values():
            optimizer.state.clear()

    def restart_schedules(self, *, progress_at_start: float) -> None:
        """Run the agent's schedules (learning rate, PPO's clip ranges) from their start
        again over the rest of the run, ``progress_at_start`` of it left (see
        :class:`RestartedSchedule`); constant ones are unchanged. A later restart replaces
        an earlier one."""
        for name in AGENT_SCHEDULES:
            current = getattr(self.agent, name, None)
            if callable(current):
                base = current.schedule if isinstance(current, RestartedSchedule) else current
                setattr(self.agent, name, RestartedSchedule(base, progress_at_start))

    def _optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"policy": self.agent.policy.optimizer}

    def rollout_log_prob(self) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
        """log π of the policy that drew the rollout being handed to the trainer: the current one."""
        return self.log_prob

    def snapshot(self) -> dict[str, torch.Tensor]:
        """The policy's weights and observation statistics as they are now (copies)."""
        snap = {f"policy.{k}": v.detach().clone() for k, v in self.agent.policy.state_dict().items()}
        if isinstance(self.venv, VecNormalize):
            snap["obs_mean"] = torch.as_tensor(self.venv.obs_rms.mean.copy())
            snap["obs_var"] = torch.as_tensor(self.venv.obs_rms.var.copy())
        return snap

    def log_prob_of(self, snap: dict[str, torch.Tensor]) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
        """log π(a|s) of a :meth:`snapshot`, unaffected by later updates: for the fusion
        density of replayed rollouts."""
        live = self.agent.policy
        with torch.random.fork_rng():  # building a policy draws initial weights: keep the global RNG untouched
            policy = type(live)(**live._get_constructor_parameters())  # (deepcopy fails on gSDE's noise tensors)
        policy.load_state_dict({k[7:]: v for k, v in snap.items() if k.startswith("policy.")})
        policy.set_training_mode(False)
        normalize = None
        if "obs_mean" in snap:
            mean, var = snap["obs_mean"].numpy(), snap["obs_var"].numpy()
            clip, eps = self.venv.clip_obs, self.venv.epsilon

            def normalize(o: np.ndarray) -> np.ndarray:
                return np.clip((o - mean) / np.sqrt(var + eps), -clip, clip).astype(np.float32)

        shape = self.observation_space.shape
        return lambda obs, acts: _policy_log_prob(policy, normalize, obs, acts, shape)

    def save(self, path: Path) -> None:
        """The policy as an ordinary SB3 zip (+ pickle-free observation statistics)."""
        save_agent(self.agent, self.venv, path)


def _policy_log_prob(policy, normalize: Callable[[np.ndarray], np.ndarray] | None, obs: torch.Tensor,
                     acts: torch.Tensor, obs_shape: tuple[int, ...]) -> torch.Tensor:
    obs_np = obs.numpy().reshape(len(obs), *obs_shape)
    if normalize is not None:
        obs_np = normalize(obs_np)
    obs_t = torch.as_tensor(obs_np, dtype=torch.float32)
    with torch.no_grad():
        if isinstance(policy, SACPolicy):
            return squashed_log_prob(policy, obs_t, acts)
        distribution = policy.get_distribution(obs_t)
        if isinstance(policy.action_space, gym.spaces.Box) and not policy.squash_output:
            return clipped_log_prob(distribution.distribution, acts, policy.action_space)
        return distribution.log_prob(acts)


def clipped_log_prob(normal: torch.distributions.Normal, acts: torch.Tensor, space: gym.spaces.Box) -> torch.Tensor:
    """log q of env actions (B, *act_shape) -> (B,) under a Gaussian policy whose samples the
    env clips to ``space``: per dimension the density inside the box and, on a bound, the mass
    the Gaussian puts beyond it, log Φ((low - μ)/σ) or log Φ((μ - high)/σ); summed over
    dimensions (the policy's dimensions are independent).

    The discriminator compares distributions of the actions the env receives, the generator's
    and the demos'; both put mass on the bounds, so an action there is scored with that mass
    (docs/energy.md, "Which action's density")."""
    mu, sigma = normal.loc, normal.scale  # (B, d)
    a = acts.reshape(mu.shape).to(mu.dtype)
    low = torch.as_tensor(space.low, dtype=mu.dtype).reshape(1, -1)
    high = torch.as_tensor(space.high, dtype=mu.dtype).reshape(1, -1)
    per_dim = torch.where(a <= low, torch.special.log_ndtr((low - mu) / sigma),
                          torch.where(a >= high, torch.special.log_ndtr((mu - high) / sigma), normal.log_prob(a)))
    return per_dim.sum(-1)


def squashed_log_prob(policy: SACPolicy, obs: torch.Tensor, acts: torch.Tensor) -> torch.Tensor:
    """log π(a|s) of SAC's tanh-squashed Gaussian for env actions a (B, act_dim) -> (B,): the
    density of the scaled action in (-1, 1) and the Jacobian of the scaling to the Box."""
    actor = policy.actor
    mean, log_std, kwargs = actor.get_action_dist_params(obs)
    dist = actor.action_dist.proba_distribution(mean, log_std, **kwargs)
    low, high = policy.action_space.low.astype(np.float64), policy.action_space.high.astype(np.float64)
    scaled = np.clip(policy.scale_action(acts.numpy().astype(np.float64)), -1 + 1e-6, 1 - 1e-6)
    log_jacobian = float(np.sum(np.log((high - low) / 2)))
    return dist.log_prob(torch.as_tensor(scaled, dtype=torch.float32)) - log_jacobian


class LearnedRewardVecEnv(_TransitionVecEnv):
    """An SB3 VecEnv whose reward is ``reward(obs, acts, next_obs, terminated)`` for all envs
    in one batch; the env's own reward goes to ``info['true_reward']`` (and Monitor, below
    this wrapper, still logs true episode returns)."""

    def __init__(self, venv: VecEnv, reward) -> None:
        super().__init__(venv)
        if hasattr(reward, "check_spaces"):
            reward.check_spaces(venv.observation_space, venv.action_space, "this env")
        self.reward = reward

    def step_wait(self):
        obs, rews, dones, infos = self.venv.step_wait()
        prev, acts, next_obs, terminated, _ = self._advance(obs, dones, infos)
        for info, true_reward in zip(infos, rews):
            info["true_reward"] = float(true_reward)
        learned = self.reward(prev, acts, next_obs, terminated.astype(np.float32))
        return obs, np.asarray(learned, dtype=np.float32), dones, infos


class _EpisodeLogger(BaseCallback):
    def __init__(self, log_episode: Callable[[int, float], None]) -> None:
        super().__init__()
        self._log = log_episode

    def _on_step(self) -> bool:
        for info in self.locals.get("infos", []):
            if "episode" in info:
                self._log(self.num_timesteps, float(info["episode"]["r"]))
        return True


class _Checkpointer(BaseCallback):
    """Calls ``save(agent, venv)`` every ``every`` env steps."""

    def __init__(self, save: Callable[[BaseAlgorithm, VecEnv], None], every: int) -> None:
        super().__init__()
        self._save, self._every, self._next_at = save, every, every

    def _on_step(self) -> bool:
        if self.num_timesteps >= self._next_at:
            self._next_at = (self.num_timesteps // self._every + 1) * self._every
            self._save(self.model, self.training_env)
        return True


def train_on_true_reward(env_id: str, *, algo: str, hyper: dict[str, Any], seed: int, total_steps: int,
                         log_episode: Callable[[int, float], None] | None = None,
                         tensorboard_log: str | None = None, progress_bar: bool = False,
                         continue_from: Path | None = None, reward=None,
                         checkpoint: tuple[Callable[[BaseAlgorithm, VecEnv], None], int] | None = None,
                         ) -> tuple[BaseAlgorithm, VecEnv]:
    """Plain SB3 on the env's own reward: experts, and the baseline that adversarial runs
    are measured against (rl-zoo3's ``normalize``: observations and rewards).

    ``reward``: a learned reward (:func:`irl.load_reward`) to train on instead of the env's
    (re-optimisation); episodes are still logged with their true returns.

    ``continue_from``: an SB3 zip this project trained (it unpickles: never a user's file)
    to go on training for ``total_steps`` more steps, with a fresh replay buffer; where the
    observations are normalised, from its saved observation statistics (the reward's
    running statistics start afresh).

    ``checkpoint``: ``(save, every)``: ``save(agent, venv)`` is called every ``every`` env
    steps, so that a long run stopped early leaves its latest agent.
    """
    venv: VecEnv = make_vec_env(env_id, hyper["n_envs"], seed)
    if reward is not None:
        venv = LearnedRewardVecEnv(venv, reward)
    if hyper["normalize_obs"]:
        venv = wrap_obs_norm(venv, training=True, norm_reward=True, gamma=hyper.get("gamma", 0.99))
        if continue_from is not None:
            restore_obs_norm(venv, obs_norm_path(Path(continue_from)))
    if continue_from is None:
        agent = build_agent(algo, venv, hyper=hyper, seed=seed, tensorboard_log=tensorboard_log)
    else:
        agent = ALGORITHMS[algo].load(continue_from, env=venv, device="cpu", tensorboard_log=tensorboard_log)
        agent.set_random_seed(seed)
    callbacks = ([_EpisodeLogger(log_episode)] if log_episode is not None else []) + (
        [_Checkpointer(*checkpoint)] if checkpoint is not None else [])
    agent.learn(total_timesteps=total_steps, callback=callbacks or None, progress_bar=progress_bar,
                reset_num_timesteps=continue_from is None)
    return agent, venv
