"""The one adversarial trainer: generator rollouts, discriminator rounds, rewards.

Each PPO rollout of the generator is one round:

1. the discriminator takes ``disc_epochs`` passes of balanced minibatches on expert
   transitions vs. this rollout (and, with ``replay_rounds`` > 1, the previous ones,
   with the fusion density of their policies as q; log q recomputed at every step);
2. the rollout is rewarded by the updated discriminator, in one batch
   (:func:`irl.energy.losses.policy_reward` of the logit), with the absorbing-state
   tail γ/(1-γ)·r(absorbing) added on terminal steps;
3. PPO computes GAE on those rewards and updates the policy.

GAIL, AIRL and GCL differ only in the :class:`~irl.energy.learner.Learner` they hand in
and in defaults of the config (replay, log Z, regularisers).
"""

from __future__ import annotations

import json
import math
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from irl.data.demos import DemoSet, check_against_env
from irl.data.spaces import act_dim, check_supported, obs_dim, uniform_log_density
from irl.data.types import Transitions
from irl.energy.algorithms import LEARNERS
from irl.energy.disc_batch import DiscBatch, absorbing_batch, to_disc_batch
from irl.energy.discriminator import Discriminator, SegmentIndex
from irl.energy.history import GeneratorHistory
from irl.energy.learner import Learner
from irl.energy.losses import NEG_ENERGY
from irl.energy.networks import EnergySpec
from irl.energy.partition import floored_log_density
from irl.energy.regularizers import consecutive_steps, lcr_penalty, mono_penalty
from irl.errors import ConfigError, TrainingError
from irl.rl.pretrain import behaviour_clone, hold_after_cloning
from irl.rl.sac_generator import SACGenerator
from irl.rl.sb3_adapter import Generator, make_env, uniform_random_episodes
from irl.rl.state import flatten_optimizer, unflatten_optimizer
from irl.runs.config import (
    END_VALUES,
    FLOOR_EPISODES,
    FLOOR_SEED,
    TrainConfig,
    check_algo_fits,
    settings_that_differ,
)
from irl.runs.evaluation import normalized_return

RoundLogger = Callable[[dict[str, float]], None]

ABSORBING_WINDOW = 20
"""Generator rollouts whose absorbing-state counts set the absorbing logit."""


class RewardScaler:
    """Divides rewards by the running std of their discounted return, per env (as SB3's
    VecNormalize does for env rewards), and clips them to ±``clip``."""

    def __init__(self, n_envs: int, gamma: float, clip: float = 10.0) -> None:
        self.gamma, self.clip = gamma, clip
        self.returns = np.zeros(n_envs)
        self.count, self.mean, self.var = 1e-4, 0.0, 1.0

    def __call__(self, rews: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, float]:
        """rews, ends: (T, n_envs) -> scaled rewards (T, n_envs) and the scale used."""
        seen = np.empty_like(rews)
        for t in range(len(rews)):
            self.returns = self.returns * self.gamma + rews[t]
            seen[t] = self.returns
            self.returns[ends[t]] = 0.0
        self._update(seen.ravel())
        scale = float(np.sqrt(self.var + 1e-8))
        return np.clip(rews / scale, -self.clip, self.clip), scale

    def _update(self, x: np.ndarray) -> None:  # parallel Welford merge
        n, mean, var = len(x), float(x.mean()), float(x.var())
        delta, total = mean - self.mean, self.count + n
        self.mean += delta * n / total
        self.var = (self.var * self.count + var * n + delta**2 * self.count * n / total) / total
        self.count = total


@dataclass(frozen=True)
class Scores:
    """Expert and random returns that anchor the normalised score."""

    expert: float
    random: float

    def normalize(self, ret: float) -> float:
        return float(normalized_return(ret, expert=self.expert, random=self.random))


class AdversarialTrainer:
    """Trains a learner's energy against an SB3 PPO generator.

    Args:
        config: the run's settings.
        demos: expert demonstrations for ``config.env_id``.
        scores: expert and random returns for the normalised score in the logs.
        log_round: called with each round's figures (progress bar, CSV, TensorBoard).
        tensorboard_log: folder for SB3's own scalars, or None.
    """

    def __init__(self, config: TrainConfig, demos: DemoSet, *, scores: Scores | None = None,
                 log_round: RoundLogger | None = None, tensorboard_log: str | None = None,
                 end_value: str = "learned") -> None:
        """``end_value``: what ending an episode is worth to the policy once the reward is
        frozen (``frozen_reward_steps``), as in the export it will have (:data:`END_VALUES`)."""
        if end_value not in END_VALUES:
            raise ConfigError(f"end_value must be one of {END_VALUES}, got {end_value!r}")
        torch.manual_seed(config.seed)
        self.config = config
        self.end_value = end_value
        self._frozen_end_reward: float | None = None
        probe = make_env(config.env_id)
        check_supported(config.env_id, probe.observation_space, probe.action_space)
        probe.close()
        check_algo_fits(config.algo, config.env_id, probe.action_space)
        generator_class = SACGenerator if config.algo == "sac" else Generator
        self.generator = generator_class(config.env_id, hyper=config.hyper, seed=config.seed,
                                         tensorboard_log=tensorboard_log)
        obs_space, act_space = self.generator.observation_space, self.generator.action_space
        self.demos = check_against_env(demos, obs_space, act_space, config.env_id)
        self._log_uniform = uniform_log_density(act_space) if config.q_floor > 0 else 0.0
        self.spec = EnergySpec(
            kind="shaped" if config.learner == "airl" else "free",  # GAIL, GCL: free
            obs_dim=obs_dim(obs_space), act_dim=act_dim(act_space),
            state_only=config.resolved_state_only, absorbing=config.absorbing,
            hidden=config.energy_hidden, gamma=self.generator.gamma, bound=config.reward_bound,
            members=config.ensemble_size,
        )
        self.learner: Learner = LEARNERS[config.learner](self.spec)
        if config.energy_obs_norm == "expert":
            self.learner.energy.fit_normalization(self.demos.transitions.obs.reshape(len(self.demos.transitions), -1))
        self.policy_reward = config.policy_reward or self.learner.policy_reward
        if config.policy_reward is None and config.algo == "sac" and self.policy_reward == "logit":
            self.policy_reward = NEG_ENERGY  # SAC adds α·H(π) itself: f - log π would count it twice
        self.discriminator = Discriminator(self.learner, lr=config.disc_lr, grad_penalty=config.resolved_grad_penalty,
                                           batch_size=config.disc_batch_size, seed=config.seed, log_z=config.log_z,
                                           segment_length=self._segment_length,
                                           weight_decay=config.disc_weight_decay,
                                           penalty_units=config.grad_penalty_units)
        self.expert = to_disc_batch(self.demos.transitions, act_space, absorbing=config.absorbing)
        self.history = GeneratorHistory(config.resolved_replay_rounds)
        self.expert_runs = consecutive_steps(self.demos.transitions.episode_end[:, None], 3)  # (M, 3)
        self.expert_segments = None
        if self._segment_length is not None:
            self.expert_segments = torch.as_tensor(
                consecutive_steps(self.demos.transitions.episode_end[:, None], self._segment_length))
            if len(self.expert_segments) == 0:
                raise ConfigError(f"no demo episode is {self._segment_length} steps long; lower segment_length")
        self.absorbing = absorbing_batch(self.spec.obs_dim, self.spec.act_dim, self.expert.raw_acts.shape[1:],
                                         self.expert.raw_acts.dtype) if config.absorbing else None
        self.scaler = RewardScaler(self.generator.recorder.num_envs, self.generator.gamma)
        self.scores = scores
        self.log_round = log_round
        self.absorbing_counts: deque[tuple[int, int]] = deque(maxlen=ABSORBING_WINDOW)
        """(absorbing rows, rows) of the latest generator rollouts."""
        self.round = 0
        self.policy_resets = 0
        """Times the generator's policy has been re-initialised (``policy_reset_steps``)."""
        self.last_reset_step = 0
        """Generator steps done at the latest policy reset (0: none yet)."""
        self._schedules_start = 0  # generator step from which the policy's schedules now run
        self.bc_metrics: dict[str, float] | None = None
        """Figures of the behaviour-cloning warm start, once it has run."""
        self._actor_frozen = False  # inside the warm-up of --bc-epochs
        self._start: float | None = None
        self._seconds_before = 0.0  # training time of the run before a resume

    @property
    def _segment_length(self) -> int | None:
        return self.config.segment_length if self.config.gcl_form == "trajectory" else None

    @property
    def energy(self) -> torch.nn.Module:
        return self.learner.energy

    def train(self, *, checkpoint: Callable[[], None] | None = None, every_rounds: int = 10,
              snapshot: Callable[[int], None] | None = None) -> None:
        """Run until ``config.total_steps`` generator steps, one discriminator round per
        rollout; ``checkpoint()`` is called after every ``every_rounds``-th PPO update, and
        ``snapshot(steps_done)`` after each update that crosses a multiple of
        ``config.snapshot_every``."""
        torch.set_num_threads(self.config.torch_threads)
        self._start = time.perf_counter() - self._seconds_before
        self._snapshots_taken = self._snapshot_multiples()  # a resumed run's are on disk already

        def after_update() -> None:
            self._reset_policy_when_due()
            if self._schedule_start_step() != self._schedules_start:  # after a reset, or before the first frozen rollout
                self._restart_policy_schedules()
            if snapshot is not None and self._snapshot_multiples() > self._snapshots_taken:
                self._snapshots_taken = self._snapshot_multiples()
                snapshot(self.generator.steps_done)
            if checkpoint is not None and self.round % every_rounds == 0:
                checkpoint()

        if self.config.bc_epochs:
            if isinstance(self.generator, SACGenerator):
                self.generator.clone_acts_at_start = True  # not SAC's uniform warm-up actions
            if self.generator.steps_done == 0 and self.bc_metrics is None:
                self.bc_metrics = behaviour_clone(self.generator, self.demos.transitions,
                                                  epochs=self.config.bc_epochs, seed=self.config.seed)
            self._actor_frozen = self._actor_in_warmup()
            hold_after_cloning(self.generator, actor_frozen=self._actor_frozen)
        self.generator.learn(self.config.total_steps, self._round, after_update, step_reward=self.step_rewards)

    def _snapshot_multiples(self) -> int:
        """Multiples of the snapshot interval the generator has passed (0 without snapshots)."""
        every = self.config.snapshot_every
        return self.generator.steps_done // every if every else 0

    def _reset_policy_when_due(self) -> None:
        """Re-initialise the policy once per ``policy_reset_steps`` generator steps, after the
        update that crosses each multiple (IRL++: the reward must keep teaching from scratch);
        never after the last update, whose policy is the run's."""
        every, done = self.config.policy_reset_steps, self.generator.steps_done
        if every and done < self.freeze_step and done // every > self.policy_resets:
            self.policy_resets, self.last_reset_step = done // every, done
            self.generator.reset_policy(seed=self.config.seed + 1_000_003 * self.policy_resets)

    @property
    def freeze_step(self) -> int:
        """Generator steps after which the reward is frozen (``frozen_reward_steps``); total_steps if never."""
        return self.config.total_steps - self.config.frozen_reward_steps

    def reward_frozen(self) -> bool:
        """Past the freeze: the energy no longer learns and the policy trains on -E alone."""
        return self.generator.steps_done > self.freeze_step

    @property
    def _policy_reward_kind(self) -> str:
        return NEG_ENERGY if self.reward_frozen() else self.policy_reward

    def frozen_end_reward(self) -> float:
        """The per-step worth of ending, subtracted from -E once the reward is frozen, as the
        export's offset form does (:class:`irl.rewards.artifact.RewardModule`): -E of the
        absorbing state (0 without one), or with ``end_value='floor'`` no more than the
        lowest -E of a step of FLOOR_EPISODES uniform-random episodes. Without it a policy
        on a negative -E learns to end its episodes (fall) as soon as it can."""
        if self._frozen_end_reward is None:
            r_end = 0.0 if self.absorbing is None else float(self._neg_energy(self.absorbing)[0])
            if self.end_value == "floor":
                t = uniform_random_episodes(self.config.env_id, episodes=FLOOR_EPISODES, seed=FLOOR_SEED)
                rows = to_disc_batch(t, self.generator.action_space, absorbing=self.config.absorbing)
                r_end = min(r_end, float(self._neg_energy(rows)[:len(t.obs)].min()))
            self._frozen_end_reward = r_end
        return self._frozen_end_reward

    def _neg_energy(self, rows: DiscBatch) -> torch.Tensor:
        """-E of each row: (B,)."""
        return self.discriminator.policy_rewards(rows, self.generator.log_prob, NEG_ENERGY)  # -E reads no log q

    def _schedule_start_step(self) -> int:
        """Generator step from which the policy's schedules run: the latest policy reset, or
        the freeze once the rollouts to come are frozen ones (0: the run's start)."""
        frozen = self.config.frozen_reward_steps and self.generator.steps_done >= self.freeze_step
        frozen_at = self.freeze_step if frozen else 0
        return max(self.last_reset_step, frozen_at)

    def _restart_policy_schedules(self) -> None:
        """Run the policy's schedules (a learning rate decaying to 0, say) over again from
        :meth:`_schedule_start_step`, fitted into the steps left, as a fresh RL run would: a
        re-initialised policy, or the policy learning the frozen reward, gets the whole
        course, where late in a decaying schedule it could hardly learn at all."""
        self._schedules_start = self._schedule_start_step()
        if self._schedules_start:
            self.generator.restart_schedules(progress_at_start=1.0 - self._schedules_start / self.config.total_steps)

    def _actor_in_warmup(self) -> bool:
        return self.generator.steps_done < self.config.bc_warmup_steps

    def state(self) -> tuple[dict[str, torch.Tensor], dict]:
        """Everything to continue bit for bit (between PPO updates), as tensors and JSON."""
        tensors, meta = self.generator.state()
        tensors = {f"generator.{k}": v for k, v in tensors.items()}
        tensors.update({f"energy.{k}": v for k, v in self.energy.state_dict().items()})
        opt_tensors, opt_meta = flatten_optimizer(self.discriminator.optimizer.state_dict())
        tensors.update({f"disc_opt.{k}": v for k, v in opt_tensors.items()})
        tensors["disc_rng"] = self.discriminator.generator.get_state()
        tensors["scaler_returns"] = torch.as_tensor(self.scaler.returns)
        history, n_envs = self.history.state() if self.config.resolved_replay_rounds > 1 else ({}, [])
        tensors.update({f"history.{k}": v for k, v in history.items()})
        return tensors, {
            "generator": meta, "disc_opt": opt_meta, "round": self.round, "log_z": self.discriminator.log_z,
            "scaler": [self.scaler.count, self.scaler.mean, self.scaler.var], "history": len(n_envs),
            "absorbing_counts": [list(c) for c in self.absorbing_counts], "seconds": self.elapsed_seconds(),
            "policy_resets": self.policy_resets, "last_reset_step": self.last_reset_step,
            "bc_metrics": self.bc_metrics, "config": json.loads(self.config.to_json()),
        }

    def load_state(self, tensors: dict[str, torch.Tensor], meta: dict) -> None:
        """Inverse of :meth:`state`; the config must be the one the checkpoint was made with
        (or differ only by a larger total_steps)."""
        if settings_that_differ(meta["config"], json.loads(self.config.to_json())):
            raise ConfigError("the checkpoint was made with another configuration; resume with the run's own "
                              "config.json")

        def part(prefix: str) -> dict[str, torch.Tensor]:
            return {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}

        self.generator.load_state(part("generator."), meta["generator"])
        self.energy.load_state_dict(part("energy."))
        self.discriminator.optimizer.load_state_dict(unflatten_optimizer(part("disc_opt."), meta["disc_opt"]))
        self.discriminator.generator.set_state(tensors["disc_rng"])
        self.discriminator.log_z = meta["log_z"]
        self.scaler.returns = tensors["scaler_returns"].numpy().copy()
        self.scaler.count, self.scaler.mean, self.scaler.var = meta["scaler"]
        self.round = meta["round"]
        self.policy_resets = meta.get("policy_resets", 0)
        self.last_reset_step = meta.get("last_reset_step", 0)
        self._restart_policy_schedules()
        self.absorbing_counts.extend(tuple(c) for c in meta.get("absorbing_counts", []))
        self._seconds_before = meta.get("seconds", 0.0)
        self.bc_metrics = meta.get("bc_metrics")
        if meta["history"]:
            self.history.load_state(part("history."), meta["history"], self.generator.log_prob_of)

    def elapsed_seconds(self) -> float:
        """Training wall-clock seconds so far, across resumes."""
        return self._seconds_before if self._start is None else time.perf_counter() - self._start

    def step_rewards(self, obs: np.ndarray, acts: np.ndarray, next_obs: np.ndarray,
                     terminated: np.ndarray) -> np.ndarray:
        """Policy rewards of raw transitions from a replay buffer, by the current discriminator
        (the absorbing tail added on terminal steps): obs, next_obs (B, *obs_shape), acts
        (B, *act_shape), terminated (B,) -> (B,) float32. Off-policy generators call it on
        every minibatch they sample."""
        terminated = np.asarray(terminated).reshape(-1) > 0.5
        n = len(terminated)
        batch = Transitions(np.asarray(obs, np.float32), np.asarray(acts, np.float32), np.asarray(next_obs, np.float32),
                            terminated, np.zeros(n, dtype=bool))
        log_prob = self._log_q_term(self.generator.log_prob)
        rows = to_disc_batch(batch, self.generator.action_space, absorbing=self.config.absorbing)
        rews = self.discriminator.policy_rewards(rows, log_prob, self._policy_reward_kind)[:n].numpy()
        if self.reward_frozen():
            rews = rews - self.frozen_end_reward()
        elif self.absorbing is not None and terminated.any():
            rews[terminated] += self._absorbing_tail(log_prob)[0]
        return rews.astype(np.float32)

    def _absorbing_tail(self, log_prob: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> tuple[float, float]:
        """(γ/(1-γ)·r(abs), r(abs)): what a terminal step earns by staying absorbed forever."""
        r_abs = float(self.discriminator.policy_rewards(self.absorbing, log_prob, self.policy_reward)[0])
        return self.generator.gamma / (1 - self.generator.gamma) * r_abs, r_abs

    def _log_q_term(self, log_prob: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]):
        """τ·log q, with q = ``log_prob``'s density mixed with the uniform one by ``config.q_floor``
        (``log_prob`` itself when τ = 1 and the floor is 0)."""
        eps, log_u, tau = self.config.q_floor, self._log_uniform, self.config.resolved_entropy_weight
        if eps == 0 and tau == 1:
            return log_prob
        return lambda obs, acts: tau * floored_log_density(log_prob(obs, acts), eps, log_u)

    def _cost_regularizer(self, rollout: Transitions, gen: DiscBatch) -> Callable[[torch.nn.Module], torch.Tensor] | None:
        """GCL's lcr (demos and this rollout) and mono (demos) penalties on E, sampled
        ``disc_batch_size`` runs at a time; None when both weights are 0."""
        lcr, mono = self.config.lcr, self.config.mono
        if lcr == 0 and mono == 0:
            return None
        gen_runs = consecutive_steps(rollout.episode_end.reshape(-1, self.generator.recorder.num_envs), 3)
        sample = torch.Generator().manual_seed(self.config.seed + self.round)

        def energies(energy: torch.nn.Module, rows: DiscBatch, runs: np.ndarray) -> torch.Tensor:  # (n, 3)
            pick = runs[torch.randint(len(runs), (self.config.disc_batch_size,), generator=sample).numpy()]
            batch = rows.index(torch.as_tensor(pick.reshape(-1)))
            return energy(*batch.energy_inputs).view(-1, 3)

        def penalty(energy: torch.nn.Module) -> torch.Tensor:
            total = torch.zeros(())
            expert = energies(energy, self.expert, self.expert_runs) if len(self.expert_runs) else None
            if lcr > 0 and expert is not None:
                total = total + lcr * lcr_penalty(expert)
            if lcr > 0 and len(gen_runs):
                total = total + lcr * lcr_penalty(energies(energy, gen, gen_runs))
            if mono > 0 and expert is not None:
                total = total + mono * mono_penalty(expert[:, :2])
            return total

        return penalty

    def _update_discriminator(self, rollout: Transitions, gen: DiscBatch) -> dict[str, float]:
        """Train the energy on the demos against ``rollout`` (``gen``: its rows) and the replayed
        rollouts; returns the update's metrics."""
        replaying = self.config.resolved_replay_rounds > 1
        n_envs = self.generator.recorder.num_envs
        ends = rollout.episode_end.reshape(-1, n_envs)
        if replaying:  # keep a frozen copy of the policy that drew this rollout
            snap = self.generator.snapshot()
            self.history.add(gen, self.generator.log_prob_of(snap), ends, snap)
        else:
            self.history.add(gen, self.generator.rollout_log_prob(), ends)  # raw: τ and the floor are applied once, below
        replay, sampler = self.history.rows(), self._log_q_term(self.history.log_prob)  # fusion of the replayed policies
        segments = None
        if self._segment_length is not None:
            gen_segments = self.history.segments(self._segment_length)
            if len(gen_segments) == 0:
                raise TrainingError(f"round {self.round}: no generator episode is {self._segment_length} steps long; "
                                    "lower segment_length")
            segments = SegmentIndex(self.expert_segments, gen_segments, self._log_q_term(self.history.log_probs))
        if self.round == 1:
            self.discriminator.center(self.expert, replay, sampler, segments)
        if self.config.disc_lr_decay:  # linear, to 0 at the freeze (total_steps without one)
            progress = min(1.0, self.generator.steps_done / self.freeze_step)
            self.discriminator.set_learning_rate(self.config.disc_lr * (1.0 - progress))
        steps = max(1, math.ceil(self.config.disc_epochs * len(gen) / self.config.disc_batch_size))
        metrics = self.discriminator.update(self.expert, replay, sampler, steps=steps,
                                            regularizer=self._cost_regularizer(rollout, gen), segments=segments)
        if not np.isfinite(metrics["disc_loss"]):
            raise TrainingError(f"round {self.round}: the discriminator loss is not finite ({metrics['disc_loss']})")
        if self.config.absorbing:
            self.absorbing_counts.append((int(gen.absorbing.sum()), len(gen)))
            n_gen, rows_gen = (sum(c) for c in zip(*self.absorbing_counts))
            metrics["absorbing_logit"] = self.discriminator.fit_absorbing(
                int(self.expert.absorbing.sum()), len(self.expert), n_gen, rows_gen)
        return metrics

    def _round(self, rollout: Transitions, episode_returns: list[float]) -> np.ndarray:
        """Update the discriminator on ``rollout`` (unless the reward is frozen) and return the
        policy's rewards for it (n_steps * n_envs,)."""
        self.round += 1
        if self._actor_frozen and not self._actor_in_warmup():
            self._actor_frozen = False
            hold_after_cloning(self.generator, actor_frozen=False)  # the warm-up is over: PPO trains the actor
        gen = to_disc_batch(rollout, self.generator.action_space, absorbing=self.config.absorbing)
        log_prob = self._log_q_term(self.generator.log_prob)  # τ·log q of the current policy, which drew this rollout
        frozen = self.reward_frozen()
        metrics = {} if frozen else self._update_discriminator(rollout, gen)

        n, n_envs = len(rollout), self.generator.recorder.num_envs
        rews = self.discriminator.policy_rewards(gen, log_prob, self._policy_reward_kind)[:n].numpy().astype(np.float64)
        if frozen:  # the exported reward's offset form: r - r_end per step, 0 once ended
            rews = rews - self.frozen_end_reward()
        if not np.all(np.isfinite(rews)):
            raise TrainingError(f"round {self.round}: the learned reward has non-finite values")
        raw_mean = float(rews.mean())
        if self.config.scale_rewards and self.config.algo == "ppo":  # SAC: rewards are relabelled, not stored
            scaled, scale = self.scaler(rews.reshape(-1, n_envs), rollout.episode_end.reshape(-1, n_envs))
            rews = scaled.ravel()
        else:
            scale = 1.0
        if frozen:
            metrics["end_reward"] = self.frozen_end_reward()
        elif self.absorbing is not None and rollout.terminated.any():
            tail, r_abs = self._absorbing_tail(log_prob)
            rews[rollout.terminated] += tail / scale
            metrics["absorbing_reward"] = r_abs

        metrics.update(round=self.round, steps=self.round * n, policy_reward=raw_mean,
                       seconds=self.elapsed_seconds(), disc_lr=self.discriminator.optimizer.param_groups[0]["lr"])
        if episode_returns:
            metrics["ep_return"] = float(np.mean(episode_returns))
            if self.scores is not None:
                metrics["normalized_return"] = self.scores.normalize(metrics["ep_return"])
        if self.log_round is not None:
            self.log_round(metrics)
        return rews.astype(np.float32)
