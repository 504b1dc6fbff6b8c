"""Absorbing-state encoding and the AIRL / GAIL log q terms."""

import gymnasium as gym
import numpy as np
import torch

from irl.data.types import Transitions
from irl.energy.disc_batch import absorbing_batch, encode_actions, to_disc_batch
from irl.energy.learner import no_log_q, policy_log_q


def _two_step_episode():
    obs = np.array([[0.0, 1.0], [0.5, 1.0]], np.float32)
    nxt = np.array([[0.5, 1.0], [1.5, 1.0]], np.float32)
    return Transitions(obs, np.array([[0.5], [1.0]], np.float32), nxt,
                       terminated=np.array([False, True]), truncated=np.array([False, False]))


def test_absorbing_encoding_redirects_terminal_steps_and_appends_self_loop():
    space = gym.spaces.Box(-1, 1, (1,), np.float32)
    b = to_disc_batch(_two_step_episode(), space, absorbing=True)
    assert len(b) == 3  # two steps + one absorbing self-transition
    np.testing.assert_array_equal(b.obs[:, -1].numpy(), [0, 0, 1])
    np.testing.assert_array_equal(b.next_obs[1].numpy(), [0, 0, 1])  # terminal step -> absorbing state
    np.testing.assert_array_equal(b.next_obs[0].numpy(), [0.5, 1.0, 0])
    np.testing.assert_array_equal(b.terminated.numpy(), [0, 0, 0])  # the episode goes on, absorbed
    np.testing.assert_array_equal(b.absorbing.numpy(), [False, False, True])
    single = absorbing_batch(2, 1, (1,), torch.float32)
    torch.testing.assert_close(single.obs, b.obs[2:])
    torch.testing.assert_close(single.next_obs, b.next_obs[2:])


def test_without_absorbing_terminal_flag_is_kept():
    b = to_disc_batch(_two_step_episode(), gym.spaces.Box(-1, 1, (1,), np.float32), absorbing=False)
    assert len(b) == 2 and b.obs.shape == (2, 2)
    np.testing.assert_array_equal(b.terminated.numpy(), [0, 1])


def test_discrete_actions_are_one_hot():
    np.testing.assert_array_equal(encode_actions(np.array([2, 0]), gym.spaces.Discrete(3)),
                                  [[0, 0, 1], [1, 0, 0]])


def test_log_q_terms():
    b = to_disc_batch(_two_step_episode(), gym.spaces.Box(-1, 1, (1,), np.float32), absorbing=True)
    calls = []

    def log_prob(obs, acts):
        calls.append(len(obs))
        return torch.full((len(obs),), -1.5)

    assert no_log_q(b, log_prob) is None and not calls  # GAIL never asks the policy
    np.testing.assert_array_equal(policy_log_q(b, log_prob).numpy(), [-1.5, -1.5, 0.0])  # 0 when absorbed


def _gcl_discriminator(segment_length=None, log_z="learned"):
    from irl.energy.algorithms import gcl
    from irl.energy.discriminator import Discriminator
    from irl.energy.networks import EnergySpec

    spec = EnergySpec(kind="free", obs_dim=2, act_dim=1, state_only=False, absorbing=False, hidden=(8,))
    torch.manual_seed(0)
    return Discriminator(gcl(spec), lr=1e-3, grad_penalty=0.0, batch_size=8, seed=0, log_z=log_z,
                         segment_length=segment_length)


def _rows(n):
    g = torch.Generator().manual_seed(1)
    obs, acts = torch.randn(n, 2, generator=g), torch.randn(n, 1, generator=g)
    from irl.energy.disc_batch import DiscBatch

    return DiscBatch(obs, acts, obs, torch.zeros(n), obs, acts, torch.zeros(n, dtype=torch.bool))


def test_segment_logit_is_the_sum_of_step_logits_under_one_policy():
    disc = _gcl_discriminator(segment_length=3)
    rows = _rows(6)  # two segments of 3 steps

    def one_policy(obs, acts):
        return (-0.5 * acts[:, 0] ** 2)[None]  # (K=1, N)

    seg_e, _ = disc.segment_logits(rows, rows, one_policy)
    steps = disc.logits(rows, lambda o, a: one_policy(o, a)[0])
    torch.testing.assert_close(seg_e, steps.view(2, 3).sum(1))


def test_trajectory_fusion_mixes_products_not_products_of_mixtures():
    disc = _gcl_discriminator(segment_length=2)
    rows = _rows(2)  # one segment
    log_pi = torch.log(torch.tensor([[0.9, 0.9], [0.1, 0.1]]))  # (K=2 policies, 2 steps)
    seg, _ = disc.segment_logits(rows, rows, lambda o, a: log_pi)
    energy = disc.energy(*rows.energy_inputs).sum()
    expected_q = torch.log(torch.tensor(0.5 * (0.9 * 0.9 + 0.1 * 0.1)))  # not 0.5 * 0.5
    torch.testing.assert_close(seg[0], -energy - expected_q)


def test_centred_importance_log_z_is_where_the_loss_stops_depending_on_log_z():
    """GAN-GCL fact 1 (Finn, Christiano et al. 2016, sec. 3.2): the importance-sampled log Z is
    the stationary point of the discriminator loss in log Z. Checked with autograd on the loss
    itself, on demo and generator rows that differ, not with the estimator's own formula."""
    from irl.energy.losses import discriminator_loss

    disc = _gcl_discriminator(log_z="importance")
    expert, gen = _rows(16), _rows(32).index(torch.arange(16, 32))  # balanced, as minibatches are

    def log_prob(obs, acts):
        return -acts[:, 0] ** 2 - 0.5 * obs[:, 0]

    disc.center(expert, gen, log_prob)
    log_z = torch.tensor(disc.log_z, dtype=torch.float64, requires_grad=True)
    with torch.no_grad():
        terms = [(disc.energy(*b.energy_inputs).double(), log_prob(b.raw_obs, b.raw_acts).double()) for b in (expert, gen)]
    (energy_e, log_q_e), (energy_g, log_q_g) = terms
    loss = discriminator_loss(-energy_e - log_q_e - log_z, -energy_g - log_q_g - log_z)
    (slope,) = torch.autograd.grad(loss, log_z)
    assert abs(slope.item()) < 1e-5
    assert abs(disc.log_z) > 0.1  # not trivially 0
    nudged = discriminator_loss(-energy_e - log_q_e - log_z - 0.5, -energy_g - log_q_g - log_z - 0.5)
    assert nudged.item() > loss.item()  # a minimum, not a maximum


def _linear_discriminator(weights, std, grad_penalty=10.0):
    """A state-only linear energy E = w·z on standardised inputs z = obs / std, trained with lr 0."""
    from irl.energy.algorithms import gail
    from irl.energy.discriminator import Discriminator
    from irl.energy.networks import EnergySpec

    spec = EnergySpec(kind="free", obs_dim=len(std), act_dim=1, state_only=True, absorbing=False, hidden=())
    learner = gail(spec)
    with torch.no_grad():
        learner.energy.net[0].weight.copy_(torch.tensor([weights]))
        learner.energy.normalize.std.copy_(torch.tensor(std))
    return Discriminator(learner, lr=0.0, grad_penalty=grad_penalty, batch_size=64, seed=0)


def test_gradient_penalty_is_in_the_units_the_energy_sees():
    """Features 1000x apart in scale: a slope of 1 per standardised unit costs nothing, whatever
    the raw scale (in raw units the same energy has slope 60 and would cost (60 - 1)²)."""
    from irl.energy.disc_batch import DiscBatch

    std = [0.01, 10.0]
    g = torch.Generator().manual_seed(0)

    def rows(n):
        obs = torch.randn(n, 2, generator=g) * torch.tensor(std)  # within the normaliser's ±10 clip
        acts = torch.zeros(n, 1)
        return DiscBatch(obs, acts, obs, torch.zeros(n), obs, acts, torch.zeros(n, dtype=torch.bool))

    expert, gen = rows(128), rows(128)
    unit = _linear_discriminator([0.6, 0.8], std).update(expert, gen, lambda o, a: None, steps=1)
    assert unit["grad_penalty"] < 1e-10
    double = _linear_discriminator([1.2, 1.6], std).update(expert, gen, lambda o, a: None, steps=1)
    assert abs(double["grad_penalty"] - 1.0) < 1e-5  # (|w| - 1)² with |w| = 2


def test_gradient_penalty_in_raw_units_holds_the_narrow_feature_flatter():
    """'raw': the same energy, slope 1 per standardised unit, has slope 0.6 / 0.01 = 60 per raw
    unit of the narrow feature: (60.005 - 1)² of penalty instead of 0."""
    from irl.energy.disc_batch import DiscBatch

    std = [0.01, 10.0]
    g = torch.Generator().manual_seed(0)
    obs = torch.randn(64, 2, generator=g) * torch.tensor(std)
    rows = DiscBatch(obs, torch.zeros(64, 1), obs, torch.zeros(64), obs, torch.zeros(64, 1),
                     torch.zeros(64, dtype=torch.bool))
    disc = _linear_discriminator([0.6, 0.8], std)
    disc.penalty_units = "raw"
    raw = disc.update(rows, rows, lambda o, a: None, steps=1)["grad_penalty"]
    assert abs(raw - (np.hypot(60.0, 0.08) - 1) ** 2) < 1e-2
