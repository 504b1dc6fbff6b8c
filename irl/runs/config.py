"""Training configuration: one frozen dataclass, validated on construction, saved as JSON."""

from __future__ import annotations

import json
from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Any

import gymnasium as gym

from irl.energy.losses import POLICY_REWARD_NAMES
from irl.errors import ConfigError
from irl.rl.presets import IRL_DEFAULTS, preset

LEARNER_NAMES = ("gail", "airl", "gcl")
LOG_Z_MODES = ("learned", "importance")
GCL_FORMS = ("step", "trajectory")
ALGOS = ("ppo", "sac")
HYPER_BASES = ("task", "sb3")
AIRL_ENTROPY_WEIGHT = 0.05
SOURCES = "sources"
"""The key of config.json under which a run records where each setting came from
(:func:`irl.runs.recipes.resolve`); not a TrainConfig field."""
EXPORT = "export"
"""The key of config.json under which a run records the ``irl export`` settings its recipe names
for its reward (``end_value``, ``form``, ``ensemble``): what an export of the run uses unless
told otherwise; not a TrainConfig field."""
RECORDS = (SOURCES, EXPORT)
"""config.json's keys that record where the run's settings came from, not settings."""


END_VALUES = ("learned", "floor")
"""What ending an episode is worth in a reward a fresh agent trains on: 'learned' (the
absorbing state's r_abs) or 'floor' (no more than the worst step of a uniform-random policy)."""
FLOOR_EPISODES, FLOOR_SEED = 20, 0  # the uniform-random episodes that set the floor
REWARD_SNAPSHOTS = 20
"""How many energies a run saves over its course unless ``reward_snapshot_steps`` says otherwise."""
EXPORT_CHOICES: dict[str, tuple[str, ...]] = {
    "end_value": END_VALUES, "form": ("g", "shaped"), "ensemble": ("mean", "pessimistic"),
    "snapshots": ("final", "all", "late")}
"""``irl export``'s settings (:func:`irl.rewards.artifact.export_reward`) and their values, for
recipes' ``[LEARNER.export]`` and sweeps' ``[export]``."""


@dataclass(frozen=True, kw_only=True)
class TrainConfig:
    """Everything that defines an adversarial imitation run."""

    learner: str
    """'gail', 'airl' or 'gcl'."""
    env_id: str
    """Gymnasium id of the task (Box observations; Box or Discrete actions)."""
    demos: str
    """Path of the demonstration file (.npz, see :mod:`irl.data.demos`)."""
    total_steps: int
    """Environment steps of the generator."""
    seed: int = 0
    """Seeds the generator, its envs, the discriminator and batch sampling."""
    policy_reward: str | None = None
    """How the generator's reward is read off the logit: 'softplus' (-log(1-D)),
    'log_d' (log D), 'logit', or 'neg_energy' (f = -E alone, the entropy left to the
    inner loop's ent_coef; see :data:`irl.energy.losses.NEG_ENERGY`); None picks the learner's default."""
    state_only: bool | None = None
    """Reward term sees s only; None picks the default (AIRL: True, GAIL: False)."""
    absorbing: bool = True
    """Absorbing-state handling of terminal steps (Kostrikov et al. 2019); inert on tasks
    that never terminate."""
    energy_obs_norm: str = "expert"
    """Input scaling of the energy: 'expert' (standardise with the demos' mean and std) or
    'none' (raw observations). Expert statistics make far-from-demo states extreme inputs,
    which an MLP extrapolates freely: prefer 'none' when observations are already on a
    small scale and the reward must generalise beyond the demos (transfer)."""
    energy_hidden: tuple[int, ...] = (64, 64)
    """Hidden widths of the energy MLPs."""
    disc_lr: float = 1e-3
    """Adam learning rate of the energy."""
    disc_epochs: float = 2.0
    """Passes of discriminator minibatches over each generator rollout (at least one step)."""
    disc_batch_size: int = 256
    """Expert rows and generator rows per discriminator step (each)."""
    grad_penalty: float | None = None
    """Weight of the gradient penalty on interpolates, on the slope per unit of the energy's
    standardised inputs (0 turns it off); None picks the default: 10 for GAIL (Orsini et al.
    2021) and for AIRL below entropy weight 1; 0 for GCL and for AIRL at entropy weight 1,
    whose policy reward f - log π carries an entropy bonus of weight 1 that a slope-limited f
    cannot outweigh. Evidence: docs/notes/2026-11-27-airl-entropy-weight.md."""
    grad_penalty_units: str = "standardised"
    """Units of the slope the gradient penalty limits: 'standardised' (per demo std of each
    observation feature: every feature alike, as the energy sees them) or 'raw' (per unit of
    the raw observation: features the demos barely vary are held far flatter)."""
    replay_rounds: int | None = None
    """Rollouts the discriminator trains on (the latest and older ones), with the fusion
    density of their policies as q; None picks the default: 5 for GCL, 1 otherwise."""
    log_z: str = "learned"
    """'learned' (log Z is the energy's output bias) or 'importance' (re-estimated on
    every minibatch by importance sampling; AIRL and GCL, which have a density q)."""
    q_floor: float = 0.0
    """ε of the defensive density q = (1-ε)·π + ε·uniform in the logit -E - log q (AIRL,
    GCL; :func:`irl.energy.partition.floored_log_density`); 0 = the policy's density as is."""
    entropy_weight: float | None = None
    """τ in the logit -E - τ·log q (AIRL, GCL): the temperature of the MaxEnt objective
    E[-E] + τ·H(π) that the generator's logit reward optimises. At the optimum -E = τ·log π_E
    (+ shaping): the same reward, scaled by τ. τ < 1 keeps log q of expert actions a narrow
    policy never takes from saturating the discriminator; 1 is the papers' form. As τ → 0 the
    logit loses log q and the learner becomes GAIL, whose energy need not be a reward. None
    picks the default: 0.05 for AIRL with a learned log Z, 1 otherwise (GCL keeps the papers'
    form). Why: docs/notes/2026-11-27-airl-entropy-weight.md and
    docs/notes/2026-11-28-gcl-temperature.md; the comparison repeated after the log q fixes:
    docs/notes/2026-12-06-log-q-and-penalty-fixes.md."""
    gcl_form: str = "step"
    """GCL only: 'step' (a sample x is a transition) or 'trajectory' (x is a segment of
    ``segment_length`` consecutive steps: E(x) = sum of step energies, q(x) = fusion of
    the policies' products of π over the steps)."""
    segment_length: int = 32
    """Steps per segment in GCL's trajectory form."""
    lcr: float = 0.0
    """Weight of GCL's local-constancy-of-rate regulariser on the energy along demo and
    generator trajectories (:mod:`irl.energy.regularizers`); any learner, 0 = off."""
    mono: float = 0.0
    """Weight of GCL's monotonic regulariser (demo energy must not rise); 0 = off."""
    ensemble_size: int = 1
    """Energies trained side by side, each on its own minibatches; the policy is trained on
    their mean, and an export reads them as their mean or, pessimistic, their minimum reward
    (IRL++, Sapora, Swamy et al. 2024, :class:`irl.energy.networks.EnergyEnsemble`); 1 = one energy."""
    reward_bound: float | None = None
    """Bound on the energy's reward term (E of GAIL's and GCL's energy, g of AIRL's):
    bound·tanh(raw / bound), within ±bound, so no state can be paid without limit (f-IRL,
    Ni et al. 2020, clamps its reward at ±10); None = unbounded."""
    disc_weight_decay: float = 0.0
    """L2 weight decay of the energy's Adam optimiser (f-IRL uses 1e-3); 0 = off."""
    disc_lr_decay: bool = False
    """Decay the discriminator's learning rate linearly from ``disc_lr`` to 0 over
    ``total_steps`` (IRL++, Sapora, Swamy et al. 2024), so the reward settles by the end."""
    policy_reset_steps: int = 0
    """Every this many generator steps, re-initialise the generator's policy (actor, critic
    and their optimiser state; SB3's initialisation from a seed derived from ``seed``), so
    that the reward must keep teaching from scratch (IRL++); never after the last update, but
    the run's policy has had only the steps since the last reset. Each reset starts the
    policy's schedules (a ``lin_X`` learning rate or clip range) over, fitted into the steps
    left. 0 = never."""
    frozen_reward_steps: int = 0
    """For the last this many generator steps the energy is frozen (no discriminator update)
    and the policy trains on its -E alone (``neg_energy``, no log q term), less the worth of
    ending as the export counts it (the trainer's ``end_value``), from the policy it has: the
    run's policy is optimised on the reward that is exported, as a fresh agent on it would
    be, but warm. The discriminator's learning-rate decay ends at the freeze, policy resets
    stop there, and the policy's schedules (a ``lin_X`` learning rate) start over at it,
    fitted into the frozen steps. 0 = the reward learns to the end."""
    reward_snapshot_steps: int | None = None
    """Every this many generator steps, save the energy as it is then
    (RUN/snapshots/energy-STEP.safetensors, after the update that crosses each multiple), so
    that the reward can be exported as the mean of its course (``irl export --snapshots``,
    the export's default). Training is unchanged. None = :data:`REWARD_SNAPSHOTS` evenly
    over the run (:attr:`snapshot_every`); 0 = only the final energy."""
    scale_rewards: bool = True
    """Divide policy rewards by the running std of their discounted return (as VecNormalize)."""
    bc_epochs: int = 0
    """Behaviour-cloning warm start: passes of maximum-likelihood fitting of the policy to
    the demos' actions before the first round (:mod:`irl.rl.pretrain`); 0 = off (a random policy).
    With it on, the policy's observation statistics stay at the demos' for the whole run."""
    bc_warmup_steps: int = 10_000
    """With ``bc_epochs``: environment steps at the start during which the cloned actor is
    frozen while the critic and the discriminator learn from its rollouts."""
    eval_episodes: int = 20
    """Episodes of the final evaluation on the true reward (stochastic policy)."""
    torch_threads: int = 1
    """torch.set_num_threads; 1 is fastest for small MLPs on CPU."""
    algo: str = "ppo"
    """The generator's RL algorithm: 'ppo' (on-policy, each rollout rewarded once) or 'sac'
    (off-policy, every replayed minibatch rewarded afresh; Box actions; :mod:`irl.rl.sac_generator`)."""
    ppo: dict[str, Any] = field(default_factory=dict)
    """PPO settings over ``hyper_base`` (keys: :data:`irl.rl.presets.RL_KEYS`)."""
    sac: dict[str, Any] = field(default_factory=dict)
    """SAC settings over ``hyper_base`` (plus ``round_steps``: environment steps per
    discriminator round, default 1000)."""
    hyper_base: str = "task"
    """What ``ppo`` / ``sac`` are laid over: 'task' (the ``[ppo]`` / ``[sac]`` table of
    ``env_id``'s recipe, :func:`irl.rl.presets.preset`, read when the run starts) or 'sb3'
    (SB3's defaults and :data:`irl.rl.presets.IRL_DEFAULTS`: ``ppo`` / ``sac`` then hold
    every other setting, as :func:`irl.runs.recipes.resolve` writes them, so the run does
    not depend on a recipe file)."""

    def __post_init__(self) -> None:
        if self.learner not in LEARNER_NAMES:
            raise ConfigError(f"learner must be one of {LEARNER_NAMES}, got {self.learner!r}")
        if self.policy_reward is not None and self.policy_reward not in POLICY_REWARD_NAMES:
            raise ConfigError(f"policy_reward must be one of {POLICY_REWARD_NAMES}, got {self.policy_reward!r}")
        for name in ("total_steps", "disc_batch_size", "eval_episodes", "torch_threads"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive, got {getattr(self, name)}")
        if self.bc_epochs < 0 or self.bc_warmup_steps < 0:
            raise ConfigError(f"bc_epochs and bc_warmup_steps must be >= 0, got {self.bc_epochs} and "
                              f"{self.bc_warmup_steps}")
        if not self.disc_epochs > 0:
            raise ConfigError(f"disc_epochs must be positive, got {self.disc_epochs}")
        if not self.disc_lr > 0:
            raise ConfigError(f"disc_lr must be positive, got {self.disc_lr}")
        if self.grad_penalty is not None and self.grad_penalty < 0:
            raise ConfigError(f"grad_penalty must be >= 0, got {self.grad_penalty}")
        if self.grad_penalty_units not in ("standardised", "raw"):
            raise ConfigError(f"grad_penalty_units must be 'standardised' or 'raw', got {self.grad_penalty_units!r}")
        if self.reward_bound is not None and not 0 < self.reward_bound < float("inf"):
            raise ConfigError(f"reward_bound must be a positive number or None, got {self.reward_bound}")
        if not 0 <= self.disc_weight_decay < float("inf"):
            raise ConfigError(f"disc_weight_decay must be >= 0, got {self.disc_weight_decay}")
        if self.ensemble_size < 1:
            raise ConfigError(f"ensemble_size must be >= 1, got {self.ensemble_size}")
        if self.ensemble_size > 1 and (self.log_z == "importance" or self.gcl_form == "trajectory"):
            raise ConfigError("an ensemble (ensemble_size > 1) trains per-step energies with a learned log Z; "
                              "use log_z='learned' and gcl_form='step'")
        if self.policy_reset_steps < 0:
            raise ConfigError(f"policy_reset_steps must be >= 0 (0 = never), got {self.policy_reset_steps}")
        if self.reward_snapshot_steps is not None and self.reward_snapshot_steps < 0:
            raise ConfigError(f"reward_snapshot_steps must be >= 0 (0 = none) or None (every "
                              f"1/{REWARD_SNAPSHOTS} of the run), got {self.reward_snapshot_steps}")
        if not 0 <= self.frozen_reward_steps < self.total_steps:
            raise ConfigError(f"frozen_reward_steps must be in [0, total_steps = {self.total_steps}), "
                              f"got {self.frozen_reward_steps}")
        if self.energy_obs_norm not in ("expert", "none"):
            raise ConfigError(f"energy_obs_norm must be 'expert' or 'none', got {self.energy_obs_norm!r}")
        if self.log_z not in LOG_Z_MODES:
            raise ConfigError(f"log_z must be one of {LOG_Z_MODES}, got {self.log_z!r}")
        if self.log_z == "importance" and self.learner == "gail":
            raise ConfigError("log_z='importance' needs a generator density q; GAIL has none (use airl or gcl)")
        if not 0 <= self.q_floor < 1:
            raise ConfigError(f"q_floor must be in [0, 1), got {self.q_floor}")
        if self.q_floor > 0 and self.learner == "gail":
            raise ConfigError("q_floor mixes into the generator density q; GAIL has none (use airl or gcl)")
        tau = self.resolved_entropy_weight
        if not tau > 0:
            raise ConfigError(f"entropy_weight must be positive, got {tau}")
        if tau != 1 and self.learner == "gail":
            raise ConfigError("entropy_weight scales the generator density term log q; GAIL has none")
        if tau != 1 and self.gcl_form == "trajectory":
            raise ConfigError("entropy_weight != 1 is for the per-step form (gcl_form='step')")
        if tau != 1 and self.log_z == "importance":
            raise ConfigError("log_z='importance' needs the normalised density q (entropy_weight 1)")
        if self.gcl_form not in GCL_FORMS:
            raise ConfigError(f"gcl_form must be one of {GCL_FORMS}, got {self.gcl_form!r}")
        if self.gcl_form == "trajectory" and self.learner != "gcl":
            raise ConfigError(f"gcl_form='trajectory' is a GCL option, got learner {self.learner!r}")
        if self.gcl_form == "trajectory" and self.resolved_grad_penalty > 0:
            raise ConfigError("the gradient penalty works on transitions; use grad_penalty=0 with gcl_form='trajectory'")
        if self.segment_length < 2:
            raise ConfigError(f"segment_length must be >= 2, got {self.segment_length}")
        if self.replay_rounds is not None and self.replay_rounds < 1:
            raise ConfigError(f"replay_rounds must be >= 1, got {self.replay_rounds}")
        if self.lcr < 0 or self.mono < 0:
            raise ConfigError(f"lcr and mono must be >= 0, got {self.lcr} and {self.mono}")
        if self.algo not in ALGOS:
            raise ConfigError(f"algo must be one of {ALGOS}, got {self.algo!r}")
        if self.hyper_base not in HYPER_BASES:
            raise ConfigError(f"hyper_base must be one of {HYPER_BASES}, got {self.hyper_base!r}")
        other = "sac" if self.algo == "ppo" else "ppo"
        if getattr(self, other):
            raise ConfigError(f"{other} overrides were given but the generator is {self.algo}: {getattr(self, other)}")
        if not self.energy_hidden or any(w <= 0 for w in self.energy_hidden):
            raise ConfigError(f"energy_hidden must be positive widths, got {self.energy_hidden}")

    @property
    def resolved_state_only(self) -> bool:
        return self.learner == "airl" if self.state_only is None else self.state_only

    @property
    def resolved_replay_rounds(self) -> int:
        if self.replay_rounds is not None:
            return self.replay_rounds
        return 5 if self.learner == "gcl" else 1

    @property
    def resolved_entropy_weight(self) -> float:
        if self.entropy_weight is not None:
            return self.entropy_weight
        return AIRL_ENTROPY_WEIGHT if self.learner == "airl" and self.log_z == "learned" else 1.0

    @property
    def resolved_grad_penalty(self) -> float:
        if self.grad_penalty is not None:
            return self.grad_penalty
        if self.learner == "gcl" or (self.learner == "airl" and self.resolved_entropy_weight == 1):
            return 0.0
        return 10.0

    @property
    def snapshot_every(self) -> int:
        """Generator steps between two saved energies: ``reward_snapshot_steps``, or with None
        ``total_steps`` / :data:`REWARD_SNAPSHOTS` (at least 1); 0 = none saved."""
        if self.reward_snapshot_steps is None:
            return max(1, self.total_steps // REWARD_SNAPSHOTS)
        return self.reward_snapshot_steps

    @property
    def hyper(self) -> dict[str, Any]:
        """The settings of ``algo``: ``hyper_base``'s with this config's ``ppo`` / ``sac`` laid over."""
        base = preset(self.algo, self.env_id) if self.hyper_base == "task" else dict(IRL_DEFAULTS[self.algo])
        return {**base, **getattr(self, self.algo)}

    def to_json(self, sources: dict[str, str] | None = None, export: dict[str, str] | None = None) -> str:
        """The config as JSON; with ``sources``, also where each setting came from, and with
        ``export``, the export settings of the run's recipe (config.json's ``sources`` and
        ``export``, which ``from_json`` and resuming ignore)."""
        data = {**asdict(self), "energy_hidden": list(self.energy_hidden)}
        records = {SOURCES: sources, EXPORT: export or None}
        return json.dumps({**data, **{k: v for k, v in records.items() if v is not None}}, indent=2)

    @classmethod
    def from_json(cls, text: str) -> "TrainConfig":
        data = json.loads(text)
        for key in RECORDS:
            data.pop(key, None)
        data["energy_hidden"] = tuple(data["energy_hidden"])
        return cls(**data)


def check_algo_fits(algo: str, env_id: str, act_space: gym.Space) -> None:
    """Raise ConfigError unless ``algo`` is one of ``ALGOS`` and can act in ``act_space`` (SAC: Box only)."""
    if algo not in ALGOS:
        raise ConfigError(f"algo must be one of {ALGOS}, got {algo!r}")
    if algo == "sac" and not isinstance(act_space, gym.spaces.Box):
        raise ConfigError(f"SAC needs Box actions; {env_id} has {act_space} (use algo='ppo')")


def default_settings() -> dict[str, Any]:
    """TrainConfig's plain defaults as JSON values (tuples as lists), the fields without one left out."""
    return json.loads(json.dumps({f.name: f.default for f in fields(TrainConfig) if f.default is not MISSING}))


def settings_that_differ(saved: dict[str, Any], given: dict[str, Any]) -> list[str]:
    """Keys of two configs (as JSON dicts) that forbid resuming a run saved with ``saved``
    under ``given``: any difference but a larger ``total_steps`` (training for longer).
    A setting added after ``saved`` was written counts as its default there."""
    saved = {**default_settings(), **{k: v for k, v in saved.items() if k not in RECORDS}}
    given = {k: v for k, v in given.items() if k not in RECORDS}
    longer = given.get("total_steps", 0) > saved.get("total_steps", 0)
    return sorted(k for k in set(saved) | set(given)
                  if saved.get(k) != given.get(k) and not (k == "total_steps" and longer))
