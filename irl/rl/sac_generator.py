"""SAC as the generator: off-policy adversarial imitation.

The on-policy :class:`irl.rl.sb3_adapter.Generator` rewards each PPO rollout once.
SAC replays old transitions for many updates while the discriminator keeps
changing, so here the reward is not stored at all: every minibatch SAC samples
from its replay buffer is rewarded afresh by the current discriminator
(relabelled, as in Discriminator-Actor-Critic, Kostrikov et al. 2019, sec. 4).
The discriminator itself is updated every ``round_steps`` environment steps on
the transitions collected since its last update, exactly as with PPO.

For its first ``learning_starts`` steps SB3's SAC acts uniformly at random. Those
rows are drawn by the uniform density, so that is their q in the discriminator
(a round ends at ``learning_starts``, so no round mixes the two). With a
behaviour-cloning warm start the clone acts from the first step instead
(:attr:`SACGenerator.clone_acts_at_start`); updates still begin at ``learning_starts``.

SAC maximises E[r] + α·H(π) with α tuned to a target entropy, so a MaxEnt
learner's entropy term is already in the objective: AIRL and GCL train it on
f = -E ('neg_energy') by default rather than on f - log π.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch
from stable_baselines3.common.buffers import ReplayBuffer
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.type_aliases import ReplayBufferSamples
from stable_baselines3.common.vec_env import VecNormalize

from irl.data.spaces import uniform_log_density
from irl.errors import ConfigError
from irl.rl.policy_io import wrap_obs_norm
from irl.rl.sb3_adapter import (
    Generator,
    RolloutRewardFn,
    TransitionRecorder,
    build_agent,
    make_vec_env,
)
from irl.rl.state import flatten_optimizer, unflatten_optimizer

StepRewardFn = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]
"""raw obs (B, *obs_shape), env actions (B, *act_shape), raw next obs, terminated (B,)
-> learned rewards (B,)."""

_BUFFER_ARRAYS = ("observations", "next_observations", "actions", "dones", "timeouts")
_OPTIMIZERS = ("actor", "critic", "ent_coef")


class _RelabelingReplayBuffer(ReplayBuffer):
    """A replay buffer whose sampled rewards come from ``relabel`` at sampling time; the
    stored rewards (0, from the recorder) are never used."""

    relabel: StepRewardFn | None = None

    def _get_samples(self, batch_inds: np.ndarray, env: VecNormalize | None = None) -> ReplayBufferSamples:
        assert self.relabel is not None, "SACGenerator installs the relabel hook"
        env_indices = np.random.randint(0, high=self.n_envs, size=(len(batch_inds),))  # as SB3 draws them
        obs = self.observations[batch_inds, env_indices]
        next_obs = self.next_observations[batch_inds, env_indices]
        terminated = self.dones[batch_inds, env_indices] * (1 - self.timeouts[batch_inds, env_indices])
        rewards = self.relabel(obs, self.actions[batch_inds, env_indices], next_obs, terminated)
        data = (self._normalize_obs(obs, env), self.actions[batch_inds, env_indices],
                self._normalize_obs(next_obs, env), terminated.reshape(-1, 1),
                np.asarray(rewards, dtype=np.float32).reshape(-1, 1))
        return ReplayBufferSamples(*tuple(map(self.to_torch, data)))


class SACGenerator(Generator):
    """An SB3 SAC agent trained on a learned reward, relabelled at every sample.

    Args:
        env_id: a Gymnasium id with Box observations and bounded Box actions.
        hyper: SAC preset from :mod:`irl.rl.presets` (n_envs, normalize_obs, round_steps:
            environment steps per discriminator round, default 1000; SAC arguments).
        seed: seeds the agent and the envs.
        tensorboard_log: folder for SB3's own TensorBoard scalars, or None.
    """

    def __init__(self, env_id: str, *, hyper: dict[str, Any], seed: int, tensorboard_log: str | None = None) -> None:
        if hyper.get("optimize_memory_usage"):
            raise ConfigError("optimize_memory_usage is not supported by the relabelling replay buffer")
        self.round_steps = int(hyper.get("round_steps", 1000))
        if self.round_steps < 1:
            raise ConfigError(f"round_steps must be >= 1, got {self.round_steps}")
        self.recorder = TransitionRecorder(make_vec_env(env_id, hyper["n_envs"], seed))
        self.venv = wrap_obs_norm(self.recorder, training=True) if hyper["normalize_obs"] else self.recorder
        self.agent = build_agent("sac", self.venv, hyper=hyper, seed=seed, tensorboard_log=tensorboard_log,
                                 replay_buffer_class=_RelabelingReplayBuffer)
        self._last_round_at = 0  # num_timesteps of the last discriminator round
        self._round_pending = False  # a round finished; the checkpoint hook has not run since
        self.clone_acts_at_start = False
        """The policy (a behaviour clone) acts during ``learning_starts`` instead of uniform actions."""
        self._log_uniform = uniform_log_density(self.action_space)
        log_ent_coef = self.agent.log_ent_coef
        self._initial_log_ent_coef = None if log_ent_coef is None else log_ent_coef.detach().clone()

    def reset_policy(self, *, seed: int) -> None:
        """As :meth:`Generator.reset_policy` for the actor, both critics and their targets,
        with the entropy coefficient back at its initial value."""
        super().reset_policy(seed=seed)
        if self._initial_log_ent_coef is not None:
            with torch.no_grad():
                self.agent.log_ent_coef.copy_(self._initial_log_ent_coef)

    def _draws_uniformly(self, num_timesteps: int) -> bool:
        """SB3 acts uniformly at random at this step count (before ``learning_starts``)."""
        agent = self.agent
        return (num_timesteps < agent.learning_starts and not self.clone_acts_at_start
                and not (agent.use_sde and agent.use_sde_at_warmup))

    def _uniform_log_prob(self, obs: torch.Tensor, acts: torch.Tensor) -> torch.Tensor:
        return torch.full((len(obs),), self._log_uniform)

    def rollout_log_prob(self):
        """log density of what drew the round being handed to the trainer: the uniform one
        before ``learning_starts``, else the current policy's."""
        return self._uniform_log_prob if self._draws_uniformly(self._last_round_at) else self.log_prob

    def snapshot(self) -> dict[str, torch.Tensor]:
        """As :meth:`Generator.snapshot`, marked 'uniform' for a round drawn before ``learning_starts``."""
        snap = super().snapshot()
        if self._draws_uniformly(self._last_round_at):
            snap["uniform"] = torch.ones(())
        return snap

    def log_prob_of(self, snap: dict[str, torch.Tensor]):
        if "uniform" in snap:
            return self._uniform_log_prob
        return super().log_prob_of(snap)

    @property
    def rollout_steps(self) -> int:
        return self.round_steps

    def learn(self, total_steps: int, reward_fn: RolloutRewardFn, after_update: Callable[[], None] | None = None,
              step_reward: StepRewardFn | None = None) -> None:
        """Train until ``total_steps`` env steps; ``reward_fn`` sees each round's transitions
        (it updates the discriminator; its rewards are not used), ``step_reward`` rewards
        every sampled minibatch; ``after_update`` runs after the first SAC update that
        follows a round (a clean point: all transitions stored, no update half done)."""
        if step_reward is None:
            raise ConfigError("the SAC generator needs a per-transition reward (step_reward)")
        agent, generator = self.agent, self
        agent.replay_buffer.relabel = lambda obs, acts, next_obs, term: step_reward(
            obs, agent.policy.unscale_action(acts), next_obs, term)

        class Rounds(BaseCallback):
            def _on_step(self) -> bool:
                return True

            def _on_rollout_end(self) -> None:  # after the step's transition is stored
                done = agent.num_timesteps - generator._last_round_at >= generator.round_steps
                warmup_over = generator._last_round_at < agent.learning_starts <= agent.num_timesteps
                if done or (warmup_over and generator._draws_uniformly(generator._last_round_at)):
                    reward_fn(*generator.recorder.drain())
                    generator._last_round_at = agent.num_timesteps
                    generator._round_pending = True

        sac_train = agent.train

        def train_then_hook(*args: Any, **kwargs: Any) -> None:
            sac_train(*args, **kwargs)
            if generator._round_pending and after_update is not None:
                generator._round_pending = False
                after_update()

        agent.train = train_then_hook
        if self.clone_acts_at_start:  # the clone acts during learning_starts; updates still wait for it
            sample_action = agent._sample_action
            agent._sample_action = lambda learning_starts, *args: sample_action(0, *args)
        remaining = total_steps - agent.num_timesteps
        try:
            if remaining > 0:
                agent.learn(total_timesteps=remaining, callback=Rounds(), reset_num_timesteps=False, tb_log_name="sb3")
        finally:
            agent.__dict__.pop("train", None)
            agent.__dict__.pop("_sample_action", None)

    def state(self) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        """As :meth:`Generator.state`, plus the three SAC optimisers, the entropy
        coefficient, the replay buffer's filled part and the round counter."""
        agent = self.agent
        tensors = {f"policy.{k}": v for k, v in agent.policy.state_dict().items()}
        meta: dict[str, Any] = {"num_timesteps": int(agent.num_timesteps), "n_updates": int(agent._n_updates),
                                "episode_num": int(agent._episode_num), "last_round_at": self._last_round_at,
                                "round_pending": self._round_pending, "ep_info_buffer": list(agent.ep_info_buffer or [])}
        for name, optimizer in self._optimizers().items():
            opt_tensors, meta[f"{name}_opt"] = flatten_optimizer(optimizer.state_dict())
            tensors.update({f"{name}_opt.{k}": v for k, v in opt_tensors.items()})
        if agent.log_ent_coef is not None:
            tensors["log_ent_coef"] = agent.log_ent_coef.detach().clone()
        buffer = agent.replay_buffer
        filled = buffer.buffer_size if buffer.full else buffer.pos
        for name in _BUFFER_ARRAYS:
            tensors[f"buffer.{name}"] = torch.as_tensor(getattr(buffer, name)[:filled].copy())
        meta["buffer"] = {"pos": int(buffer.pos), "full": bool(buffer.full)}
        tensors["last_obs"] = torch.as_tensor(np.asarray(agent._last_obs))
        if agent._last_original_obs is not None:
            tensors["last_original_obs"] = torch.as_tensor(np.asarray(agent._last_original_obs))
        tensors["last_episode_starts"] = torch.as_tensor(np.asarray(agent._last_episode_starts, dtype=np.float32))
        tensors["recorder_obs"] = torch.as_tensor(np.asarray(self.recorder._obs))
        self._env_state_into(tensors, meta)
        return tensors, meta

    def load_state(self, tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
        """Inverse of :meth:`state`."""
        agent = self.agent

        def part(prefix: str) -> dict[str, torch.Tensor]:
            return {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}

        agent.policy.load_state_dict(part("policy."))
        for name, optimizer in self._optimizers().items():
            optimizer.load_state_dict(unflatten_optimizer(part(f"{name}_opt."), meta[f"{name}_opt"]))
        if agent.log_ent_coef is not None:
            with torch.no_grad():
                agent.log_ent_coef.copy_(tensors["log_ent_coef"])
        buffer = agent.replay_buffer
        for name in _BUFFER_ARRAYS:
            values = tensors[f"buffer.{name}"].numpy()
            getattr(buffer, name)[:len(values)] = values
        buffer.pos, buffer.full = meta["buffer"]["pos"], meta["buffer"]["full"]
        agent.num_timesteps, agent._n_updates = meta["num_timesteps"], meta["n_updates"]
        agent._episode_num = meta["episode_num"]
        self._last_round_at, self._round_pending = meta["last_round_at"], meta["round_pending"]
        agent._last_obs = tensors["last_obs"].numpy().copy()
        agent._last_original_obs = tensors["last_original_obs"].numpy().copy() if "last_original_obs" in tensors else None
        agent._last_episode_starts = tensors["last_episode_starts"].numpy().astype(bool)
        self._restore_common(tensors, meta)

    def _optimizers(self) -> dict[str, torch.optim.Optimizer]:
        agent = self.agent
        found = {"actor": agent.actor.optimizer, "critic": agent.critic.optimizer,
                 "ent_coef": agent.ent_coef_optimizer}
        return {name: found[name] for name in _OPTIMIZERS if found[name] is not None}
