"""Smoke runs of each learner: a few thousand steps must teach the energy to tell
held-out expert behaviour from random behaviour."""

import gymnasium as gym
import numpy as np
import pytest
import torch

from irl.data.demos import record_episodes
from irl.energy.disc_batch import to_disc_batch
from irl.runs.config import TrainConfig
from irl.runs.trainer import AdversarialTrainer, RewardScaler
from tests.conftest import held_out_auc

SMALL_PPO = {"n_envs": 2, "n_steps": 256, "batch_size": 128, "n_epochs": 2, "normalize_obs": True}


@pytest.mark.parametrize("learner, options", [
    ("gail", {}),
    ("airl", {}),
    ("gcl", {}),  # replays 5 rollouts, fusion density, learned log Z
    ("gcl", {"log_z": "importance", "lcr": 1.0, "mono": 1.0, "replay_rounds": 2}),
    ("gcl", {"gcl_form": "trajectory", "segment_length": 8, "replay_rounds": 2}),
])
def test_energy_separates_held_out_expert_from_random(learner, options, pendulum_demos):
    config = TrainConfig(learner=learner, env_id="Pendulum-v1", demos="unused", total_steps=4096, seed=0,
                         disc_epochs=4, ppo=SMALL_PPO, **options)
    rounds = []
    trainer = AdversarialTrainer(config, pendulum_demos, log_round=rounds.append)
    untrained = held_out_auc(trainer.energy)  # 0.55 (AIRL) to 0.77 at this seed
    trainer.train()
    assert len(rounds) == 8 and rounds[-1]["steps"] == 4096
    if options.get("lcr"):
        assert rounds[-1]["cost_reg"] > 0
    if options.get("log_z") == "importance":
        assert np.isfinite(rounds[-1]["log_z"]) and rounds[-1]["log_z"] != rounds[0]["log_z"]
        assert 0 < rounds[-1]["log_z_ess"] <= 1

    trained = held_out_auc(trainer.energy)  # 0.83 (AIRL) to 0.93
    assert trained > 0.8 and trained > untrained + 0.1


def test_discrete_actions_and_absorbing_states(line_demos):
    """GAIL on CartPole (Discrete); AIRL on a task that terminates (absorbing tail)."""
    config = TrainConfig(learner="gail", env_id="CartPole-v1", demos="unused", total_steps=1024,
                         ppo={"n_envs": 1, "n_steps": 256, "batch_size": 64, "n_epochs": 1, "normalize_obs": False})
    env = gym.make("CartPole-v1")
    t = record_episodes(lambda o: np.array([int(o[0, 2] > 0)]), env, episodes=2, seed=0)
    from irl.data.demos import DemoSet

    AdversarialTrainer(config, DemoSet(t, {"env_id": "CartPole-v1"})).train()

    rounds = []
    config = TrainConfig(learner="airl", env_id="LineTest-v0", demos="unused", total_steps=512,
                         ppo={"n_envs": 1, "n_steps": 128, "batch_size": 64, "n_epochs": 1, "normalize_obs": False})
    AdversarialTrainer(config, line_demos, log_round=rounds.append).train()
    assert any("absorbing_reward" in r for r in rounds)  # generator episodes ended in terminal states


def test_reward_scaler_matches_discounted_return_std():
    scaler = RewardScaler(n_envs=1, gamma=0.5, clip=100.0)
    rews = np.ones((4, 1))
    ends = np.zeros((4, 1), dtype=bool)
    scaled, scale = scaler(rews, ends)
    returns = np.array([1.0, 1.5, 1.75, 1.875])  # running discounted returns
    assert abs(scale - np.sqrt(returns.var() * 4 / (4 + 1e-4))) < 1e-3
    np.testing.assert_allclose(scaled, rews / scale)


def test_terminal_steps_get_the_absorbing_tail(line_demos):
    """r_T = r(s_T) + γ/(1-γ)·r(absorbing): the value of staying in the absorbing state forever.
    GAIL's reward is softplus(-E) of the network; r(absorbing) is softplus of the logit set from
    the absorbing rows' counts, log((3 + 1/2) / (12 + 1)) - log((3 + 1/2) / (12 + 1)) = 0."""
    config = TrainConfig(learner="gail", env_id="LineTest-v0", demos="unused", total_steps=64, scale_rewards=False,
                         disc_epochs=1, ppo={"n_envs": 1, "n_steps": 64, "batch_size": 64, "normalize_obs": False})
    trainer = AdversarialTrainer(config, line_demos)
    rollout = line_demos.transitions  # 3 episodes of 3 steps that each end in a terminal state
    assert len(rollout) == 9 and rollout.terminated.sum() == 3
    rews = trainer._round(rollout, [])
    obs = torch.as_tensor(np.hstack([rollout.obs, np.zeros((9, 1), np.float32)]))  # not absorbing
    with torch.no_grad():
        z = ((obs[:, :2] - trainer.energy.normalize.mean) / trainer.energy.normalize.std).clamp(-10, 10)
        energy = trainer.energy.net(torch.cat([z, obs[:, 2:], torch.as_tensor(rollout.acts)], 1))[:, 0]
    per_step = np.log1p(np.exp(-energy.numpy()))  # softplus(logit), logit = -E
    gamma = trainer.generator.gamma
    expected = per_step + rollout.terminated * gamma / (1 - gamma) * np.log(2.0)  # softplus(0) = log 2
    np.testing.assert_allclose(rews, expected, rtol=1e-5, atol=1e-5)


def test_non_finite_discriminator_stops_with_the_round(line_demos):
    from irl.errors import TrainingError

    config = TrainConfig(learner="gail", env_id="LineTest-v0", demos="unused", total_steps=64,
                         ppo={"n_envs": 1, "n_steps": 64, "batch_size": 64, "normalize_obs": False})
    trainer = AdversarialTrainer(config, line_demos)
    with torch.no_grad():
        trainer.energy.net[-1].bias.fill_(float("nan"))
    with pytest.raises(TrainingError, match="round 1: the discriminator loss is not finite"):
        trainer._round(line_demos.transitions, [])


def test_replayed_rollouts_are_scored_with_the_fusion_density(pendulum_demos):
    """With 2 rounds of replay, q of any row is the mean of the two frozen policies' π(a|s)."""
    config = TrainConfig(learner="gcl", env_id="Pendulum-v1", demos="unused", total_steps=3 * 512, seed=0,
                         replay_rounds=2, ppo={**SMALL_PPO, "learning_rate": 1e-2})
    trainer = AdversarialTrainer(config, pendulum_demos)
    trainer.train()
    rows = trainer.history.rows()
    assert len(rows) == 2 * 512  # the two latest rollouts, not the first
    obs, acts = rows.raw_obs[:64], rows.raw_acts[:64]
    per_policy = trainer.history.log_probs(obs, acts)  # (2, 64)
    assert (per_policy[0] - per_policy[1]).abs().max() > 1e-3  # the policy moved between rounds
    expected = torch.log(torch.exp(per_policy).mean(0))
    torch.testing.assert_close(trainer.history.log_prob(obs, acts), expected, atol=1e-5, rtol=1e-5)
    current = trainer.generator.log_prob(obs, acts)
    assert (current - per_policy[1]).abs().max() > 1e-3  # frozen copies ignore later PPO updates


@pytest.mark.parametrize("learner", ["airl", "gcl"])
def test_the_same_seed_learns_the_same_reward_twice(learner, pendulum_demos):
    def train_once():
        config = TrainConfig(learner=learner, env_id="Pendulum-v1", demos="unused", total_steps=1024, seed=3,
                             ppo={**SMALL_PPO, "n_epochs": 1}, replay_rounds=2 if learner == "gcl" else None)
        trainer = AdversarialTrainer(config, pendulum_demos)
        initial = {k: v.clone() for k, v in trainer.energy.state_dict().items()}
        trainer.train()
        return initial, {k: v.clone() for k, v in trainer.energy.state_dict().items()}

    (initial, first), (_, second) = train_once(), train_once()
    assert not torch.equal(initial["net.0.weight" if learner == "gcl" else "g.0.weight"],
                           first["net.0.weight" if learner == "gcl" else "g.0.weight"])  # it did learn
    for name in first:
        assert torch.equal(first[name], second[name]), name


def test_neg_energy_reward_and_floored_q(pendulum_demos):
    """'neg_energy' rewards -E, the logit plus log q; q_floor mixes the uniform density into
    q = 0.9·π + 0.1/4 (Pendulum's torques are uniform on [-2, 2]) wherever the logit uses it."""
    config = TrainConfig(learner="airl", env_id="Pendulum-v1", demos="unused", total_steps=512, q_floor=0.1,
                         entropy_weight=1.0, policy_reward="neg_energy", scale_rewards=False, ppo=SMALL_PPO)
    trainer = AdversarialTrainer(config, pendulum_demos)
    rollout = pendulum_demos.transitions.index(slice(0, 512))
    gen = to_disc_batch(rollout, trainer.generator.action_space, absorbing=True)  # Pendulum: no terminals
    log_pi = trainer.generator.log_prob(gen.raw_obs, gen.raw_acts).numpy().astype(np.float64)
    log_q = np.log(0.9 * np.exp(log_pi) + 0.1 / 4.0)
    assert np.abs(log_q - log_pi).max() > 1e-3  # the floor changed q
    log_q_fn = trainer._log_q_term(trainer.generator.log_prob)
    with torch.no_grad():
        energy = trainer.energy(*gen.energy_inputs).numpy()
    np.testing.assert_allclose(trainer.discriminator.policy_rewards(gen, log_q_fn, "logit").numpy(),
                               -energy - log_q, rtol=1e-4, atol=1e-4)
    rews = trainer._round(rollout, [])
    with torch.no_grad():  # after the round's update, the reward is -E of the updated energy
        energy = trainer.energy(*gen.energy_inputs).numpy()
    np.testing.assert_allclose(rews, -energy, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("learner, options", [("gail", {}), ("airl", {}), ("gcl", {"log_z": "importance"})])
def test_absorbing_logit_is_the_count_ratio(learner, options, line_demos):
    """The absorbing state is one point: its logit is set to log(p_expert(abs) / p_generator(abs))
    from counts, whatever the energy network says there, and the terminal tail uses it."""
    config = TrainConfig(learner=learner, env_id="LineTest-v0", demos="unused", total_steps=64, scale_rewards=False,
                         disc_epochs=1, ppo={"n_envs": 1, "n_steps": 64, "batch_size": 64, "normalize_obs": False},
                         **options)
    trainer = AdversarialTrainer(config, line_demos)
    rollout = line_demos.transitions.index(slice(0, 6))  # the first 2 of the 3 demo episodes (3 steps each)
    n_terminal = int(rollout.terminated.sum())
    rounds = []
    trainer.log_round = rounds.append
    trainer._round(rollout, [])
    n_expert, rows_expert = int(line_demos.transitions.terminated.sum()), len(line_demos.transitions) + 3
    assert n_terminal == 2 and n_expert == 3
    expected = np.log((n_expert + 0.5) / (rows_expert + 1)) - np.log((n_terminal + 0.5) / (6 + n_terminal + 1))
    assert abs(rounds[0]["absorbing_logit"] - expected) < 1e-9
    logit = trainer.discriminator.policy_rewards(trainer.absorbing, trainer.generator.log_prob, "logit")
    assert abs(logit.item() - expected) < 1e-5


def test_entropy_weight_scales_log_q_in_the_logit(pendulum_demos):
    """logit = -E - τ·log π: the policy reward 'logit' is f - τ·log π, MaxEnt RL at temperature τ."""
    config = TrainConfig(learner="airl", env_id="Pendulum-v1", demos="unused", total_steps=512, entropy_weight=0.1,
                         ppo=SMALL_PPO)
    trainer = AdversarialTrainer(config, pendulum_demos)
    gen = to_disc_batch(pendulum_demos.transitions, trainer.generator.action_space, absorbing=True)
    log_q = trainer._log_q_term(trainer.generator.log_prob)
    log_pi = trainer.generator.log_prob(gen.raw_obs, gen.raw_acts)
    logit = trainer.discriminator.policy_rewards(gen, log_q, "logit")
    f = -trainer.energy(*gen.energy_inputs).detach()
    torch.testing.assert_close(logit, f - 0.1 * log_pi, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("learner, options", [
    ("airl", {}),  # τ = 0.05, one rollout replayed
    ("airl", {"q_floor": 0.1}),
    ("airl", {"replay_rounds": 2}),
    ("airl", {"entropy_weight": 1.0, "q_floor": 0.2}),
    ("gcl", {}),  # τ = 1, 5 rollouts replayed
    ("gcl", {"entropy_weight": 0.05, "q_floor": 0.1, "replay_rounds": 1}),
    ("gcl", {"log_z": "importance", "replay_rounds": 2}),
    ("gail", {}),
])
def test_discriminator_trains_on_the_logit_its_policy_reward_uses(learner, options, pendulum_demos, monkeypatch):
    """Every log q the discriminator's loss, centring and policy rewards see is τ·log((1-ε)·π + ε·u),
    computed here by hand with π(a|s) = e^c for every policy, current or replayed."""
    import irl.energy.discriminator

    config = TrainConfig(learner=learner, env_id="Pendulum-v1", demos="unused", total_steps=1024, seed=0,
                         scale_rewards=False, policy_reward=None if learner == "gail" else "logit",
                         ppo=SMALL_PPO, **options)
    trainer = AdversarialTrainer(config, pendulum_demos)
    c = -1.3

    def constant(obs, acts):
        return torch.full((len(obs),), c)

    monkeypatch.setattr(trainer.generator, "log_prob", constant)
    monkeypatch.setattr(trainer.generator, "rollout_log_prob", lambda: constant)
    monkeypatch.setattr(trainer.generator, "log_prob_of", lambda snap: constant)
    seen = []
    original = irl.energy.discriminator.discriminator_logit
    monkeypatch.setattr(irl.energy.discriminator, "discriminator_logit",
                        lambda energy, log_q=None, log_z=None: seen.append(log_q) or original(energy, log_q, log_z))
    tau, eps = config.resolved_entropy_weight, config.q_floor
    expected = tau * np.log((1 - eps) * np.exp(c) + eps / 4.0)  # Pendulum's torques: uniform on [-2, 2]

    rollout = pendulum_demos.transitions.index(slice(0, 512))
    for _ in range(3):
        rews = trainer._round(rollout, [])
    if learner == "gail":
        assert seen and all(log_q is None for log_q in seen)
        return
    assert len(seen) > 10
    for log_q in seen:  # Pendulum never terminates: no absorbing rows, whose log q is 0
        np.testing.assert_allclose(log_q.numpy(), expected, rtol=1e-5)
    gen = to_disc_batch(rollout, trainer.generator.action_space, absorbing=True)
    with torch.no_grad():
        energy = trainer.energy(*gen.energy_inputs).numpy()
    log_z = trainer.discriminator.log_z if config.log_z == "importance" else 0.0
    np.testing.assert_allclose(rews, -energy - expected - log_z, rtol=1e-4, atol=1e-4)


def _clipped_gaussian_log_q(a, mu, sigma, low, high):
    """log of the clipped Gaussian's mass on a bound, its density inside; numpy, by hand."""
    from math import erf, log, pi, sqrt

    def cdf(z):
        return 0.5 * (1 + erf(z / sqrt(2)))

    if a <= low:
        return log(cdf((low - mu) / sigma))
    if a >= high:
        return log(1 - cdf((high - mu) / sigma))
    return -0.5 * ((a - mu) / sigma) ** 2 - log(sigma * sqrt(2 * pi))


def test_clipped_log_prob_is_a_density_inside_and_a_mass_on_the_bounds():
    import gymnasium as gym

    from irl.rl.sb3_adapter import clipped_log_prob

    space = gym.spaces.Box(-1.0, 1.0, (1,), np.float32)
    normal = torch.distributions.Normal(torch.tensor([[0.3]]), torch.tensor([[0.5]]))
    for a in (-1.0, -0.4, 0.2, 0.999, 1.0):
        got = clipped_log_prob(normal, torch.tensor([[a]]), space).item()
        assert abs(got - _clipped_gaussian_log_q(a, 0.3, 0.5, -1.0, 1.0)) < 1e-5, a
    grid = torch.linspace(-1 + 1e-5, 1 - 1e-5, 20001).reshape(-1, 1)
    wide = torch.distributions.Normal(torch.full_like(grid, 0.3), torch.full_like(grid, 0.5))
    inside = torch.trapezoid(clipped_log_prob(wide, grid, space).exp(), grid[:, 0]).item()
    ends = sum(np.exp(_clipped_gaussian_log_q(b, 0.3, 0.5, -1.0, 1.0)) for b in (-1.0, 1.0))
    assert abs(inside + ends - 1.0) < 1e-3  # a probability measure: density inside, masses on the bounds


def test_generator_rows_on_the_bound_are_scored_with_the_policys_mass_there(line_demos):
    """A fresh PPO policy (std 1) in a ±1 box: about a third of its actions reach the env clipped.
    The discriminator trains on the actions the env received, each scored by hand."""
    config = TrainConfig(learner="gcl", env_id="LineTest-v0", demos="unused", total_steps=256, replay_rounds=1,
                         ppo={"n_envs": 2, "n_steps": 128, "batch_size": 64, "n_epochs": 1, "normalize_obs": False})
    trainer = AdversarialTrainer(config, line_demos)
    seen = {}
    do_round = trainer._round

    def spy(rollout, episode_returns):
        rews = do_round(rollout, episode_returns)
        rows = trainer.history.rows().index(torch.arange(len(rollout)))  # what the discriminator trained on
        policy = trainer.generator.agent.policy
        with torch.no_grad():  # before PPO's update
            normal = policy.get_distribution(rows.raw_obs).distribution
        seen.update(rows=rows, log_q=trainer.history.log_prob(rows.raw_obs, rows.raw_acts),
                    mu=normal.loc[:, 0].numpy(), sigma=normal.scale[:, 0].numpy())
        return rews

    trainer._round = spy
    trainer.train()
    acts = seen["rows"].raw_acts[:, 0].numpy()
    assert np.abs(acts).max() <= 1.0 and (np.abs(acts) == 1.0).mean() > 0.15
    expected = [_clipped_gaussian_log_q(a, m, s, -1.0, 1.0) for a, m, s in zip(acts, seen["mu"], seen["sigma"])]
    np.testing.assert_allclose(seen["log_q"].numpy(), expected, rtol=1e-4, atol=1e-4)
