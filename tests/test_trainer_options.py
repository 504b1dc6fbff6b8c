"""Options that keep a learned reward teaching (IRL++, f-IRL): a bounded reward term, weight
decay and a decaying learning rate for the energy, and policy resets of the generator."""

import numpy as np
import pytest
import torch

from irl.energy.networks import EnergySpec, build_energy
from irl.errors import ConfigError
from irl.runs.config import TrainConfig
from irl.runs.trainer import AdversarialTrainer
from tests.test_trainer import SMALL_PPO


@pytest.mark.parametrize("kind", ["free", "shaped"])
def test_bounded_reward_term_stays_within_the_bound(kind):
    torch.manual_seed(0)
    spec = EnergySpec(kind=kind, obs_dim=3, act_dim=1, state_only=False, absorbing=True, hidden=(8,), bound=2.0)
    energy = build_energy(spec)
    with torch.no_grad():
        for p in energy.parameters():
            p.mul_(50.0)  # raw outputs far beyond the bound
    obs = torch.cat([torch.randn(64, 3) * 5, torch.zeros(64, 1)], 1)
    acts = torch.randn(64, 1) * 5
    with torch.no_grad():
        reward = energy.reward(obs, acts, obs, torch.zeros(64))
        raw = (energy.net if kind == "free" else energy.g)(torch.cat([energy.normalize(obs), acts], 1))[:, 0]
    sign = -1.0 if kind == "free" else 1.0  # the free energy's reward is -E
    np.testing.assert_allclose(reward.numpy(), sign * 2.0 * np.tanh(raw.numpy() / 2.0), rtol=1e-5, atol=1e-6)
    assert raw.abs().max() > 10 and reward.abs().max() <= 2.0
    # the counts' logit is clipped to the bound too (far enough out that AIRL's (1 - γ)·h(abs) cannot
    # bring it back inside)
    energy.set_absorbing_logit_(-1e4)
    absorbing = torch.zeros(1, 4)
    absorbing[0, -1] = 1.0
    assert abs(energy.reward(absorbing, torch.zeros(1, 1), absorbing, torch.zeros(1)).item()) == pytest.approx(2.0)


def test_an_unbounded_spec_saved_before_the_bound_loads_unbounded():
    spec = EnergySpec(kind="free", obs_dim=3, act_dim=1, state_only=False, absorbing=False)
    data = spec.to_json()
    del data["bound"]
    assert EnergySpec.from_json(data) == spec and spec.bound is None


def test_the_discriminator_learning_rate_decays_linearly_to_zero(pendulum_demos):
    rounds = []
    config = TrainConfig(learner="gail", env_id="Pendulum-v1", demos="unused", total_steps=4 * 512,
                         disc_lr=1e-3, disc_lr_decay=True, ppo=SMALL_PPO)
    AdversarialTrainer(config, pendulum_demos, log_round=rounds.append).train()
    np.testing.assert_allclose([r["disc_lr"] for r in rounds], [7.5e-4, 5e-4, 2.5e-4, 0.0], atol=1e-12)


def test_weight_decay_shrinks_the_energys_weights(pendulum_demos):
    def weight_norm(decay):
        config = TrainConfig(learner="gail", env_id="Pendulum-v1", demos="unused", total_steps=1024, seed=0,
                             disc_weight_decay=decay, disc_epochs=8, ppo=SMALL_PPO)
        trainer = AdversarialTrainer(config, pendulum_demos)
        assert trainer.discriminator.optimizer.param_groups[0]["weight_decay"] == decay
        trainer.train()
        return sum(p.norm() ** 2 for name, p in trainer.energy.named_parameters() if "weight" in name).item()

    assert weight_norm(1.0) < 0.9 * weight_norm(0.0)


def test_policy_resets_reinitialise_the_policy_from_its_seed(pendulum_demos):
    """Resets every 512 of 1,536 steps: after the updates at 512 and 1,024 steps (not after the
    last one, whose policy is the run's) the policy is SB3's fresh initialisation from each
    reset's seed, and its optimiser has no moments left."""
    config = TrainConfig(learner="airl", env_id="Pendulum-v1", demos="unused", total_steps=1536, seed=3,
                         policy_reset_steps=512, ppo=SMALL_PPO)
    trainer = AdversarialTrainer(config, pendulum_demos)
    live = trainer.generator.agent.policy
    after_reset = []
    reset = trainer.generator.reset_policy

    def spy(*, seed):
        before = {k: v.clone() for k, v in live.state_dict().items()}
        reset(seed=seed)
        after_reset.append((seed, before, {k: v.clone() for k, v in live.state_dict().items()},
                            len(live.optimizer.state)))

    trainer.generator.reset_policy = spy
    trainer.train()
    assert trainer.policy_resets == 2 and [seed for seed, *_ in after_reset] == [3 + 1_000_003, 3 + 2 * 1_000_003]
    for seed, before, weights, moments in after_reset:
        torch.manual_seed(seed)
        expected = type(live)(**live._get_constructor_parameters()).state_dict()
        for name, value in weights.items():
            assert torch.equal(value, expected[name]), name
        assert any(not torch.equal(before[k], expected[k]) for k in before) and moments == 0
    assert any(not torch.equal(v, after_reset[-1][2][k]) for k, v in live.state_dict().items())  # trained since


def test_a_reset_policy_starts_its_learning_rate_schedule_over(pendulum_demos):
    """lin_1e-3 over four updates of 512 steps: 7.5e-4, 5e-4, 2.5e-4, 0 without resets. With a
    reset after each update but the last, each fresh policy's decay is fitted into the steps
    left: 1e-3 · min(1, p / p0) at the progress left p of the update, p0 of its reset (or of
    the freeze of a frozen reward)."""
    def policy_lrs(reset_steps, frozen_steps=0):
        config = TrainConfig(learner="airl", env_id="Pendulum-v1", demos="unused", total_steps=2048, seed=0,
                             policy_reset_steps=reset_steps, frozen_reward_steps=frozen_steps,
                             ppo={**SMALL_PPO, "learning_rate": "lin_1e-3"})
        trainer = AdversarialTrainer(config, pendulum_demos)
        agent, lrs = trainer.generator.agent, []
        update = agent._update_learning_rate

        def spy(optimizers):
            update(optimizers)
            lrs.append(agent.policy.optimizer.param_groups[0]["lr"])

        agent._update_learning_rate = spy
        trainer.train()
        return lrs

    np.testing.assert_allclose(policy_lrs(0), [7.5e-4, 5e-4, 2.5e-4, 0.0], atol=1e-12)
    np.testing.assert_allclose(policy_lrs(512), [7.5e-4, 1e-3 * 0.5 / 0.75, 1e-3 * 0.25 / 0.5, 0.0], atol=1e-12)
    # the policy learning a reward frozen for the last 1,024 steps (p0 = 0.5) gets the whole decay too
    np.testing.assert_allclose(policy_lrs(0, 1024), [7.5e-4, 5e-4, 1e-3 * 0.25 / 0.5, 0.0], atol=1e-12)
    # a reset after the freeze is not made; the freeze restarts the decay after the reset at 512
    np.testing.assert_allclose(policy_lrs(512, 1024), [7.5e-4, 1e-3 * 0.5 / 0.75, 1e-3 * 0.25 / 0.5, 0.0],
                               atol=1e-12)


def test_a_frozen_reward_stops_the_energy_and_trains_the_policy_on_minus_e(pendulum_demos):
    """Four updates of 512 steps, the last 1,024 frozen: the energy learns in rounds 1-2 (its
    learning rate decaying to 0 at the freeze) and not after; the policy's rewards are AIRL's
    logit before the freeze and -E after; the reset due at 1,024 steps does not happen."""
    config = TrainConfig(learner="airl", env_id="Pendulum-v1", demos="unused", total_steps=2048, seed=0,
                         frozen_reward_steps=1024, disc_lr=1e-3, disc_lr_decay=True, policy_reset_steps=512,
                         ppo=SMALL_PPO)
    rounds, energies, kinds = [], [], []

    def log_round(metrics):
        rounds.append(metrics)
        energies.append({k: v.clone() for k, v in trainer.energy.state_dict().items()})

    trainer = AdversarialTrainer(config, pendulum_demos, log_round=log_round)
    rewards = trainer.discriminator.policy_rewards

    def spy(batch, log_prob, kind):
        kinds.append((trainer.round, kind))
        return rewards(batch, log_prob, kind)

    trainer.discriminator.policy_rewards = spy
    trainer.train()
    assert ["disc_loss" in r for r in rounds] == [True, True, False, False]
    np.testing.assert_allclose([r["disc_lr"] for r in rounds], [5e-4, 0.0, 0.0, 0.0], atol=1e-12)
    assert any(not torch.equal(v, energies[1][k]) for k, v in energies[0].items())
    for later in energies[2:]:
        assert all(torch.equal(v, energies[1][k]) for k, v in later.items())
    assert {kind for r, kind in kinds if r <= 2} == {trainer.policy_reward} != {"neg_energy"}
    assert {kind for r, kind in kinds if r >= 3} == {"neg_energy"}
    assert trainer.policy_resets == 1


def test_a_frozen_reward_is_worth_its_export_per_step(pendulum_demos):
    """Once frozen, the policy's step reward is -E minus the worth of ending, as the exported
    reward's offset form: with end_value='floor' (no absorbing state on Pendulum: r_abs = 0),
    min(0, the lowest -E of a step of 20 uniform-random episodes)."""
    from irl.energy.disc_batch import to_disc_batch
    from irl.rl.sb3_adapter import uniform_random_episodes

    config = TrainConfig(learner="airl", env_id="Pendulum-v1", demos="unused", total_steps=1024, seed=0,
                         frozen_reward_steps=512, ppo=SMALL_PPO)
    rounds, rollout_rewards = [], []
    trainer = AdversarialTrainer(config, pendulum_demos, log_round=rounds.append, end_value="floor")
    rewards = trainer.discriminator.policy_rewards

    def spy(batch, log_prob, kind):
        out = rewards(batch, log_prob, kind)
        if trainer.round == 2 and not rollout_rewards:  # the frozen round's first call: its rollout's -E
            rollout_rewards.append(out[:512].numpy())
        return out

    trainer.discriminator.policy_rewards = spy
    trainer.train()
    t = uniform_random_episodes("Pendulum-v1", episodes=20, seed=0)
    with torch.no_grad():
        energies = trainer.energy(*to_disc_batch(t, trainer.generator.action_space,
                                                 absorbing=config.absorbing).energy_inputs)[:len(t.obs)]
        lowest = float((-energies).min())
    assert rounds[-1]["end_reward"] == pytest.approx(min(0.0, lowest), rel=1e-5) and lowest < 0
    assert "end_reward" not in rounds[0]
    # the policy's raw reward per step in the frozen round: -E less the end's worth
    assert rounds[-1]["policy_reward"] == pytest.approx(float(rollout_rewards[0].mean()) - rounds[-1]["end_reward"],
                                                        rel=1e-5)
    with pytest.raises(ConfigError, match="end_value must be one of"):
        AdversarialTrainer(config, pendulum_demos, end_value="zero")


def test_sac_policy_resets_clear_the_critics_and_the_entropy_coefficient(pendulum_demos):
    from tests.test_sac_generator import SMALL_SAC

    config = TrainConfig(learner="gail", env_id="Pendulum-v1", demos="unused", total_steps=512, algo="sac",
                         sac=SMALL_SAC)
    generator = AdversarialTrainer(config, pendulum_demos).generator
    initial = generator.agent.log_ent_coef.detach().clone()
    with torch.no_grad():
        generator.agent.log_ent_coef.fill_(-3.0)
        generator.agent.critic.qf0[0].weight.add_(1.0)
    generator.agent.critic.optimizer.state[generator.agent.critic.qf0[0].weight] = {"step": torch.tensor(1.0)}
    generator.reset_policy(seed=11)
    torch.manual_seed(11)
    live = generator.agent.policy
    expected = type(live)(**live._get_constructor_parameters()).state_dict()
    for name, value in live.state_dict().items():
        assert torch.equal(value, expected[name]), name
    assert torch.equal(generator.agent.log_ent_coef.detach(), initial)
    assert not generator.agent.critic.optimizer.state


@pytest.mark.parametrize("settings, message", [
    ({"reward_bound": 0.0}, "reward_bound must be a positive number"),
    ({"reward_bound": float("inf")}, "reward_bound must be a positive number"),
    ({"disc_weight_decay": -1e-3}, "disc_weight_decay must be >= 0"),
    ({"disc_weight_decay": float("nan")}, "disc_weight_decay must be >= 0"),
    ({"policy_reset_steps": -1}, "policy_reset_steps must be >= 0"),
    ({"frozen_reward_steps": 1024}, r"frozen_reward_steps must be in \[0, total_steps = 1024\), got 1024"),
    ({"frozen_reward_steps": -1}, "frozen_reward_steps must be in"),
])
def test_bad_option_values_are_refused(settings, message):
    with pytest.raises(ConfigError, match=message):
        TrainConfig(learner="airl", env_id="Pendulum-v1", demos="unused", total_steps=1024, **settings)


@pytest.mark.parametrize("kind", ["free", "shaped"])
def test_an_ensemble_reads_as_the_mean_or_the_worst_member(kind):
    from irl.energy.networks import EnergyEnsemble

    spec = EnergySpec(kind=kind, obs_dim=2, act_dim=1, state_only=False, absorbing=False, hidden=(8,), members=3)
    mean = build_energy(spec)
    assert isinstance(mean, EnergyEnsemble) and len(mean.members) == 3
    worst = EnergyEnsemble(spec, reduce="pessimistic")
    worst.load_state_dict(mean.state_dict())
    obs, acts = torch.randn(16, 2), torch.randn(16, 1)
    inputs = (obs, acts, obs + 0.1, torch.zeros(16))
    with torch.no_grad():
        energies = torch.stack([m(*inputs) for m in mean.members])  # (3, 16)
        torch.testing.assert_close(mean(*inputs), energies.mean(0))
        torch.testing.assert_close(worst(*inputs), energies.amax(0))
        if kind == "shaped":
            g = torch.stack([m.g_value(obs, acts) for m in mean.members])
            torch.testing.assert_close(mean.reward(*inputs), g.mean(0))
            torch.testing.assert_close(worst.reward(*inputs), g.amin(0))
        else:
            torch.testing.assert_close(worst.reward(*inputs), -energies.amax(0))
    assert (energies.std(0) > 1e-3).all()  # members start apart


def test_ensemble_members_train_on_their_own_minibatches(pendulum_demos):
    """Members made identical before training part ways: each saw other rows."""
    config = TrainConfig(learner="gail", env_id="Pendulum-v1", demos="unused", total_steps=512, ensemble_size=3,
                         ppo=SMALL_PPO)
    trainer = AdversarialTrainer(config, pendulum_demos)
    members = trainer.energy.members
    for member in members[1:]:
        member.load_state_dict(members[0].state_dict())
    trainer.train()
    first = members[0].net[0].weight
    assert all(not torch.allclose(first, m.net[0].weight) for m in members[1:])
    assert torch.equal(members[0].normalize.std, members[2].normalize.std)  # all fitted on the demos


def test_an_ensemble_learns_to_separate_expert_from_random(pendulum_demos):
    from tests.conftest import held_out_auc

    config = TrainConfig(learner="airl", env_id="Pendulum-v1", demos="unused", total_steps=4096, seed=0,
                         disc_epochs=4, ensemble_size=3, ppo=SMALL_PPO)
    trainer = AdversarialTrainer(config, pendulum_demos)
    untrained = held_out_auc(trainer.energy)
    trainer.train()
    trained = held_out_auc(trainer.energy)
    assert trained > 0.8 and trained > untrained + 0.1, (untrained, trained)


@pytest.mark.parametrize("settings", [{"ensemble_size": 0}, {"ensemble_size": 2, "log_z": "importance"},
                                      {"ensemble_size": 2, "learner": "gcl", "gcl_form": "trajectory"}])
def test_ensemble_settings_that_do_not_fit(settings):
    with pytest.raises(ConfigError, match="ensemble"):
        TrainConfig(**{"learner": "airl", "env_id": "Pendulum-v1", "demos": "unused", "total_steps": 1024, **settings})
