"""SAC as the generator: the squashed policy's density, relabelled replay, a smoke run."""

import numpy as np
import pytest
import torch

from irl.energy.disc_batch import to_disc_batch
from irl.errors import ConfigError
from irl.runs.config import TrainConfig
from irl.runs.trainer import AdversarialTrainer
from tests.conftest import held_out_auc

SMALL_SAC = {"learning_starts": 256, "round_steps": 256, "batch_size": 64, "learning_rate": 1e-3,
             "policy_kwargs": {"net_arch": [64, 64]}}


def test_squashed_policy_log_prob_is_a_density_over_the_action_box(pendulum_demos):
    """Pendulum's torque lives in [-2, 2]: exp(log π(a|s)) must integrate to 1 over it, which
    needs the tanh correction and the Jacobian of the scaling from (-1, 1)."""
    config = TrainConfig(learner="airl", env_id="Pendulum-v1", demos="unused", total_steps=256, algo="sac",
                         sac=SMALL_SAC)
    generator = AdversarialTrainer(config, pendulum_demos).generator
    with torch.no_grad():  # a policy that is not centred, so the check is not symmetric by luck
        generator.agent.actor.mu.bias.fill_(0.7)
    grid = torch.linspace(-2 + 1e-4, 2 - 1e-4, 40001).unsqueeze(1)
    for obs in ([1.0, 0.0, 0.0], [0.0, 1.0, -3.0]):
        density = torch.exp(generator.log_prob(torch.tensor([obs] * len(grid)), grid))
        assert abs(torch.trapezoid(density, grid[:, 0]).item() - 1.0) < 2e-3


def test_replayed_batches_are_rewarded_by_the_current_discriminator(pendulum_demos):
    config = TrainConfig(learner="airl", env_id="Pendulum-v1", demos="unused", total_steps=768, algo="sac",
                         sac=SMALL_SAC, q_floor=0.05)
    rounds = []
    trainer = AdversarialTrainer(config, pendulum_demos, log_round=rounds.append)
    trainer.train()
    assert [r["steps"] for r in rounds] == [256, 512, 768]
    assert trainer.policy_reward == "neg_energy"  # SAC counts the entropy itself
    buffer = trainer.generator.agent.replay_buffer
    np.random.seed(3)
    samples = buffer.sample(32)
    np.random.seed(3)
    idx = np.random.randint(0, buffer.pos, size=32)
    raw_acts = trainer.generator.agent.policy.unscale_action(buffer.actions[idx, 0])
    assert np.abs(raw_acts).max() > 1.0  # env torques in [-2, 2], not the buffer's (-1, 1)
    expected = trainer.step_rewards(buffer.observations[idx, 0], raw_acts, buffer.next_observations[idx, 0],
                                    buffer.dones[idx, 0] * (1 - buffer.timeouts[idx, 0]))
    np.testing.assert_allclose(samples.rewards.numpy()[:, 0], expected, rtol=1e-5, atol=1e-6)
    with torch.no_grad():
        t = pendulum_demos.transitions.index(slice(0, 32))
        neg_energy = -trainer.energy(*to_disc_batch(t, trainer.generator.action_space, absorbing=True).energy_inputs)
    np.testing.assert_allclose(trainer.step_rewards(t.obs, t.acts, t.next_obs, t.terminated),
                               neg_energy[:32].numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("learner", ["gail", "airl"])
def test_sac_smoke_run_learns_an_energy_that_separates_expert_from_random(learner, pendulum_demos):
    config = TrainConfig(learner=learner, env_id="Pendulum-v1", demos="unused", total_steps=2048, seed=1,
                         algo="sac", sac=SMALL_SAC, disc_epochs=16)
    trainer = AdversarialTrainer(config, pendulum_demos)
    untrained = held_out_auc(trainer.energy)  # 0.80 (GAIL), 0.40 (AIRL) at this seed
    trainer.train()
    trained = held_out_auc(trainer.energy)  # 0.90, 0.92
    assert trained > 0.85 and trained > untrained + 0.05


def test_sac_settings_that_do_not_fit(line_demos):
    with pytest.raises(ConfigError, match="ppo overrides were given but the generator is sac"):
        TrainConfig(learner="gail", env_id="Pendulum-v1", demos="unused", total_steps=256, algo="sac",
                    ppo={"n_steps": 64})
    with pytest.raises(ConfigError, match="SAC needs Box actions"):
        from irl.data.demos import DemoSet
        AdversarialTrainer(TrainConfig(learner="gail", env_id="CartPole-v1", demos="unused", total_steps=256,
                                       algo="sac"), DemoSet(line_demos.transitions, {"env_id": "CartPole-v1"}))
    with pytest.raises(ConfigError, match="round_steps must be >= 1"):
        AdversarialTrainer(TrainConfig(learner="gail", env_id="Pendulum-v1", demos="unused", total_steps=256,
                                       algo="sac", sac={"round_steps": 0}), line_demos)


def _spy_rounds(trainer):
    """Each round's rollout and the log q (no τ) the discriminator gave its first rows."""
    seen = []
    do_round = trainer._round

    def spy(rollout, episode_returns):
        rews = do_round(rollout, episode_returns)
        rows = trainer.history.rows()
        seen.append((trainer.round, trainer.generator.steps_done, rollout,
                     trainer.history.log_prob(rows.raw_obs[:32], rows.raw_acts[:32])))
        return rews

    trainer._round = spy
    return seen


def test_rows_of_sacs_uniform_warm_up_have_the_uniform_density(pendulum_demos):
    """SAC acts uniformly on [-2, 2] for its first learning_starts = 256 steps: a round ends there
    (rounds of 200 steps: at 200, 256, 456), and those rows get q = 1/4, later ones the policy's."""
    config = TrainConfig(learner="airl", env_id="Pendulum-v1", demos="unused", total_steps=456, algo="sac",
                         sac={**SMALL_SAC, "round_steps": 200})
    trainer = AdversarialTrainer(config, pendulum_demos)
    seen = _spy_rounds(trainer)
    trainer.train()
    assert [steps for _, steps, _, _ in seen] == [200, 256, 456]
    for _, _, _, log_q in seen[:2]:
        torch.testing.assert_close(log_q, torch.full((32,), -np.log(4.0)))
    assert seen[2][3].std() > 0.01  # the policy's density varies with the state and action


def test_a_behaviour_clone_acts_in_sacs_warm_up(pendulum_demos):
    """With a warm start the clone drives the first learning_starts steps (not uniform actions),
    and its rows are scored with its own density."""
    config = TrainConfig(learner="airl", env_id="Pendulum-v1", demos="unused", total_steps=256, algo="sac",
                         sac=SMALL_SAC, bc_epochs=30, bc_warmup_steps=256)
    trainer = AdversarialTrainer(config, pendulum_demos)
    seen = _spy_rounds(trainer)
    trainer.train()
    (_, steps, rollout, log_q), = seen
    own = trainer.generator.log_prob(torch.as_tensor(rollout.obs[:32]), torch.as_tensor(rollout.acts[:32]))
    torch.testing.assert_close(log_q, own)
    assert own.mean() > -np.log(4.0) + 0.5  # the clone's own actions, denser than uniform ones
