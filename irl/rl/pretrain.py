"""Behaviour-cloning warm start of the generator's policy (optional, ``bc_epochs``).

Before the first adversarial round, the policy is fitted to the demonstrations by
maximum likelihood, max E_demos[log π(a|s)] (Pomerleau 1991; the pretraining step of
OpenAI Baselines' GAIL; Jena et al. 2020, "Augmenting GAIL with BC"). The adversarial
rounds then start from a policy that already visits expert-like states, instead of
having to find them from a random one, which on HalfCheetah can settle into crawling
head-down or running on its back. The discriminator, the value function and the rest
of the run are unchanged.

Two things keep the cloned policy from being lost in the first PPO updates (the runs
with and without them: docs/notes/2026-11-28-halfcheetah-warm-start.md):

* When the policy sees observations through VecNormalize, its statistics are set to
  the demonstrations' and then frozen (:func:`hold_after_cloning`): left running, they
  follow the policy's first stumbles, and the clone, fitted under the demos' scaling,
  no longer recognises its inputs.
* The actor is frozen for the first ``bc_warmup_steps`` environment steps, while the
  critic (and the discriminator) learn from its rollouts: PPO's first updates against a
  random value function are noise the clone does not survive.
"""

from __future__ import annotations

import numpy as np
import torch
from stable_baselines3.common.vec_env import VecNormalize
from stable_baselines3.sac.policies import SACPolicy

from irl.data.types import Transitions
from irl.rl.sb3_adapter import squashed_log_prob

BC_LEARNING_RATE = 1e-3
BC_BATCH_SIZE = 256


def behaviour_clone(generator, demos: Transitions, *, epochs: int, seed: int,
                    lr: float = BC_LEARNING_RATE, batch_size: int = BC_BATCH_SIZE) -> dict[str, float]:
    """Fit ``generator``'s policy (PPO or SAC, :mod:`irl.rl.sb3_adapter`) to the demos' actions.

    Args:
        generator: a :class:`irl.rl.sb3_adapter.Generator` or :class:`irl.rl.sac_generator.SACGenerator`.
        demos: obs (N, *obs_shape), acts (N, *act_shape) or (N,) for Discrete actions.
        epochs: passes over the N demo rows, in minibatches of ``batch_size``, with Adam(lr).
        seed: the shuffling order.

    Returns the mean log π(a|s) of the demo actions per row, before and after
    (``bc_log_prob_before``, ``bc_log_prob_after``), and ``bc_epochs``.
    """
    policy, venv = generator.agent.policy, generator.venv
    obs = demos.obs.reshape(len(demos.obs), *generator.observation_space.shape).astype(np.float32)
    if _normalises_obs(venv):
        venv.obs_rms.mean = obs.mean(axis=0).astype(np.float64)
        venv.obs_rms.var = obs.var(axis=0).astype(np.float64)
        venv.obs_rms.count = float(len(obs))
        obs = venv.normalize_obs(obs).astype(np.float32)
    obs_t = torch.as_tensor(obs)
    acts_t = torch.as_tensor(demos.acts)
    sac = isinstance(policy, SACPolicy)
    optimizer = torch.optim.Adam(policy.actor.parameters() if sac else policy.parameters(), lr=lr)  # critics get no grad
    rng = torch.Generator().manual_seed(seed)

    def log_prob(rows: torch.Tensor) -> torch.Tensor:
        if sac:
            return squashed_log_prob(policy, obs_t[rows], acts_t[rows])
        return policy.get_distribution(obs_t[rows]).log_prob(acts_t[rows])

    everything = torch.arange(len(obs_t))
    policy.set_training_mode(False)
    with torch.no_grad():
        before = float(log_prob(everything).mean())
    policy.set_training_mode(True)
    for _ in range(epochs):
        for rows in torch.randperm(len(obs_t), generator=rng).split(batch_size):
            loss = -log_prob(rows).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    policy.set_training_mode(False)
    with torch.no_grad():
        after = float(log_prob(everything).mean())
    return {"bc_epochs": epochs, "bc_log_prob_before": before, "bc_log_prob_after": after}


def hold_after_cloning(generator, *, actor_frozen: bool) -> None:
    """Freeze the policy's observation statistics (for the rest of the run) and, while
    ``actor_frozen``, the actor's weights; the critic keeps learning. Called at the start
    of every (resumed) run with a warm start, and again to release the actor."""
    if _normalises_obs(generator.venv):
        generator.venv.training = False
    for param in actor_parameters(generator.agent.policy):
        param.requires_grad_(not actor_frozen)


def actor_parameters(policy) -> list[torch.nn.Parameter]:
    """The weights that shape π(a|s): SAC's actor; PPO's policy branch, action head and log-std."""
    if isinstance(policy, SACPolicy):
        return list(policy.actor.parameters())
    value_parts = ("value_net.", "mlp_extractor.value_net.", "vf_features_extractor.")
    return [p for name, p in policy.named_parameters() if not name.startswith(value_parts)]


def _normalises_obs(venv) -> bool:
    return isinstance(venv, VecNormalize) and venv.norm_obs
