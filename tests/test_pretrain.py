"""Behaviour-cloning warm start: the policy moves towards the demos' actions, for PPO and SAC,
Box and Discrete actions, under VecNormalize; and it runs once, before the first round."""

import gymnasium as gym
import numpy as np
import pytest
import torch

from irl.data.demos import record_episodes
from irl.errors import ConfigError
from irl.rl.pretrain import actor_parameters, behaviour_clone
from irl.rl.sac_generator import SACGenerator
from irl.rl.sb3_adapter import Generator
from irl.runs.config import TrainConfig
from irl.runs.trainer import AdversarialTrainer

SMALL_PPO = {"n_envs": 1, "n_steps": 64, "batch_size": 64, "n_epochs": 1}


def _mean_action_error(gen, demos) -> float:
    """Mean squared gap between the deterministic policy's action and the demo action."""
    obs = demos.obs
    if gen.venv is not gen.recorder:
        obs = gen.venv.normalize_obs(obs)
    acts, _ = gen.agent.policy.predict(obs, deterministic=True)
    return float(np.mean((acts - demos.acts) ** 2))


@pytest.mark.parametrize("normalize_obs", [False, True])
def test_ppo_policy_clones_the_pendulum_controller(normalize_obs, pendulum_demos):
    t = pendulum_demos.transitions
    gen = Generator("Pendulum-v1", hyper={**SMALL_PPO, "normalize_obs": normalize_obs}, seed=0)
    error_before = _mean_action_error(gen, t)
    figures = behaviour_clone(gen, t, epochs=100, seed=0)  # 500 Adam steps
    assert figures["bc_log_prob_after"] > figures["bc_log_prob_before"] + 0.4
    assert _mean_action_error(gen, t) < 0.5 * error_before
    if normalize_obs:  # the policy's input statistics are the demos' from the start
        np.testing.assert_allclose(gen.venv.obs_rms.mean, t.obs.mean(axis=0), rtol=1e-5, atol=1e-6)
        assert gen.venv.obs_rms.count == len(t)


def test_sac_actor_clones_and_its_critics_stay(pendulum_demos):
    t = pendulum_demos.transitions
    gen = SACGenerator("Pendulum-v1", hyper={"n_envs": 1, "normalize_obs": False, "learning_starts": 0}, seed=0)
    critic = {k: v.clone() for k, v in gen.agent.policy.critic.state_dict().items()}
    figures = behaviour_clone(gen, t, epochs=20, seed=0)
    assert figures["bc_log_prob_after"] > figures["bc_log_prob_before"] + 1.0
    for k, v in gen.agent.policy.critic.state_dict().items():
        assert torch.equal(v, critic[k]), k


def test_discrete_policy_clones_a_cartpole_rule():
    env = gym.make("CartPole-v1")
    t = record_episodes(lambda o: np.array([int(o[0, 2] + o[0, 3] > 0)]), env, episodes=3, seed=0)
    gen = Generator("CartPole-v1", hyper={**SMALL_PPO, "normalize_obs": False}, seed=0)
    figures = behaviour_clone(gen, t, epochs=40, seed=0)
    acts, _ = gen.agent.policy.predict(t.obs, deterministic=True)
    assert figures["bc_log_prob_before"] == pytest.approx(np.log(0.5), abs=0.05)  # a fresh policy: a coin
    assert figures["bc_log_prob_after"] > figures["bc_log_prob_before"] + 0.3
    assert (acts == t.acts).mean() > 0.9


def test_trainer_clones_once_then_holds_the_actor_through_the_warmup(pendulum_demos):
    """64-step rollouts, 128 warm-up steps: PPO update 1 leaves the actor alone, update 2 trains it;
    the critic trains from the start and the policy's observation statistics stay the demos'."""
    config = TrainConfig(learner="gail", env_id="Pendulum-v1", demos="unused", total_steps=192, bc_epochs=5,
                         bc_warmup_steps=128, ppo={**SMALL_PPO, "normalize_obs": True})
    actors, critics, figures = [], [], []

    def on_round(metrics):
        policy = trainer.generator.agent.policy
        actors.append([p.detach().clone() for p in actor_parameters(policy)])
        critics.append(policy.value_net.weight.detach().clone())
        figures.append(trainer.bc_metrics)

    trainer = AdversarialTrainer(config, pendulum_demos, log_round=on_round)
    trainer.train()
    assert len(actors) == 3 and all(f is figures[0] for f in figures) and figures[0]["bc_epochs"] == 5
    assert all(torch.equal(a, b) for a, b in zip(actors[0], actors[1]))  # update 1: warm-up
    assert not all(torch.equal(a, b) for a, b in zip(actors[1], actors[2]))  # update 2: PPO trains the actor
    assert not torch.equal(critics[0], critics[1])
    venv = trainer.generator.venv
    assert not venv.training
    np.testing.assert_allclose(venv.obs_rms.mean, pendulum_demos.transitions.obs.mean(axis=0), rtol=1e-5, atol=1e-6)
    assert AdversarialTrainer(TrainConfig(**{**config.__dict__, "bc_epochs": 0}), pendulum_demos).bc_metrics is None
    with pytest.raises(ConfigError, match="bc_epochs and bc_warmup_steps must be >= 0"):
        TrainConfig(learner="gail", env_id="Pendulum-v1", demos="x", total_steps=1, bc_warmup_steps=-1)


def test_sac_warmup_trains_the_critics_and_leaves_the_cloned_actor(pendulum_demos):
    sac = {"learning_starts": 32, "round_steps": 64, "batch_size": 32, "policy_kwargs": {"net_arch": [32, 32]}}
    config = TrainConfig(learner="gail", env_id="Pendulum-v1", demos="unused", total_steps=192, bc_epochs=2,
                         bc_warmup_steps=10**6, algo="sac", sac=sac)
    snapshots = []

    def on_round(metrics):
        policy = trainer.generator.agent.policy
        snapshots.append(([p.detach().clone() for p in actor_parameters(policy)],
                          [p.detach().clone() for p in policy.critic.parameters()]))

    trainer = AdversarialTrainer(config, pendulum_demos, log_round=on_round)
    trainer.train()
    (actor_first, critic_first), (actor_last, critic_last) = snapshots[0], snapshots[-1]
    assert len(snapshots) == 3 and trainer.bc_metrics["bc_epochs"] == 2
    assert all(torch.equal(a, b) for a, b in zip(actor_first, actor_last))
    assert not all(torch.equal(a, b) for a, b in zip(critic_first, critic_last))
