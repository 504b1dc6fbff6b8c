"""Closed-form checks of the one formula and the maps read off it."""

import math

import torch

from irl.energy.losses import (
    discriminator_logit,
    discriminator_loss,
    gradient_penalty,
    policy_reward,
)
from irl.energy.networks import EnergySpec, ShapedEnergy


def test_logit_identity_matches_discriminator_formula():
    g = torch.Generator().manual_seed(0)
    energy, log_q = torch.randn(100, generator=g) * 3, torch.randn(100, generator=g) * 2
    d = torch.exp(-energy) / (torch.exp(-energy) + torch.exp(log_q))  # D = e^-E / (e^-E + q)
    logit = discriminator_logit(energy, log_q)
    torch.testing.assert_close(torch.sigmoid(logit), d)
    torch.testing.assert_close(discriminator_logit(energy), -energy)  # GAIL: no log q


def test_optimal_discriminator_is_density_ratio():
    """Free logits over 4 outcomes trained on the BCE loss converge to D* = p_e / (p_e + p_g)."""
    counts_e, counts_g = [40, 30, 20, 10], [10, 20, 30, 40]
    idx_e = torch.cat([torch.full((c,), i) for i, c in enumerate(counts_e)])
    idx_g = torch.cat([torch.full((c,), i) for i, c in enumerate(counts_g)])
    logits = torch.zeros(4, requires_grad=True)
    opt = torch.optim.LBFGS([logits], max_iter=200, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = discriminator_loss(logits[idx_e], logits[idx_g])
        loss.backward()
        return loss

    opt.step(closure)
    expected = torch.tensor([c_e / (c_e + c_g) for c_e, c_g in zip(counts_e, counts_g)])
    torch.testing.assert_close(torch.sigmoid(logits.detach()), expected, atol=1e-4, rtol=0)


def test_loss_value_is_balanced_cross_entropy():
    le, lg = torch.tensor([2.0, -1.0]), torch.tensor([0.5])
    expected = 0.5 * (-(math.log(torch.sigmoid(le[0])) + math.log(torch.sigmoid(le[1]))) / 2
                      - math.log(1 - torch.sigmoid(lg[0])))
    assert abs(discriminator_loss(le, lg).item() - expected) < 1e-6


def test_policy_rewards_closed_forms_and_stability():
    logit = torch.tensor([-3.0, 0.0, 2.5])
    d = torch.sigmoid(logit)
    torch.testing.assert_close(policy_reward(logit, "softplus"), -torch.log(1 - d))
    torch.testing.assert_close(policy_reward(logit, "log_d"), torch.log(d))
    torch.testing.assert_close(policy_reward(logit, "logit"), torch.log(d) - torch.log(1 - d))
    extreme = torch.tensor([-200.0, 200.0])
    for kind in ("softplus", "log_d", "logit"):
        assert torch.isfinite(policy_reward(extreme, kind)).all()
    assert policy_reward(extreme, "softplus")[1].item() == 200.0
    assert policy_reward(extreme, "log_d")[0].item() == -200.0


def _airl_energy(gamma=0.9):
    spec = EnergySpec(kind="shaped", obs_dim=3, act_dim=2, state_only=True, absorbing=False, gamma=gamma)
    torch.manual_seed(0)
    return ShapedEnergy(spec)


def test_airl_policy_reward_equals_log_d_minus_log_one_minus_d():
    """With f = -E and D = e^f / (e^f + π): logit - (log D - log(1 - D)) = 0."""
    energy = _airl_energy()
    obs, nxt, acts = torch.randn(8, 3), torch.randn(8, 3), torch.randn(8, 2)
    done = torch.zeros(8)
    log_pi = torch.randn(8)
    f = -energy(obs, acts, nxt, done)
    d = torch.exp(f) / (torch.exp(f) + torch.exp(log_pi))
    logit = discriminator_logit(energy(obs, acts, nxt, done), log_pi)
    torch.testing.assert_close(policy_reward(logit, "logit"), torch.log(d) - torch.log(1 - d), atol=1e-5, rtol=1e-5)


def test_airl_shaping_is_masked_on_terminal_steps():
    gamma = 0.9
    energy = _airl_energy(gamma)
    obs, nxt, acts = torch.randn(5, 3), torch.randn(5, 3), torch.randn(5, 2)
    g, h_s, h_next = energy.g_value(obs, acts), energy.h_value(obs), energy.h_value(nxt)
    torch.testing.assert_close(energy(obs, acts, nxt, torch.zeros(5)), -(g + gamma * h_next - h_s))
    torch.testing.assert_close(energy(obs, acts, nxt, torch.ones(5)), -(g - h_s))
    torch.testing.assert_close(energy.reward(obs, acts, nxt, torch.zeros(5)), g)  # exported: g only


def test_gradient_penalty_of_linear_function():
    w = torch.tensor([3.0, 4.0])  # ||w|| = 5 -> (5 - 1)^2 = 16 at every interpolate
    x_e, x_g = torch.randn(16, 2), torch.randn(16, 2)
    alpha = torch.rand(16, 1)
    assert abs(gradient_penalty(lambda x: x @ w, (x_e,), (x_g,), alpha).item() - 16.0) < 1e-5
    # two inputs, one unused by fn: its gradient counts as zero
    value = gradient_penalty(lambda x, y: x @ w, (x_e, x_e), (x_g, x_g), alpha)
    assert abs(value.item() - 16.0) < 1e-5


def test_floored_density_is_the_defensive_mixture_and_bounds_log_q():
    from irl.energy.partition import floored_log_density

    log_pi = torch.tensor([0.5, -3.0, -160.0], dtype=torch.float64)
    log_u = -math.log(4.0)  # uniform over a length-4 interval
    eps = 0.05
    expected = torch.log((1 - eps) * torch.exp(log_pi) + eps / 4.0)
    torch.testing.assert_close(floored_log_density(log_pi, eps, log_u), expected)
    assert floored_log_density(log_pi, eps, log_u).min().item() >= math.log(eps) + log_u - 1e-12
    assert floored_log_density(log_pi, 0.0, log_u) is log_pi  # off: untouched


def test_uniform_log_density_of_action_spaces():
    import gymnasium as gym
    import numpy as np
    import pytest

    from irl.data.spaces import uniform_log_density
    from irl.errors import EnvError

    assert uniform_log_density(gym.spaces.Discrete(5)) == -math.log(5)
    box = gym.spaces.Box(np.array([-2.0, 0.0], np.float32), np.array([2.0, 0.5], np.float32))
    assert abs(uniform_log_density(box) - -math.log(4.0 * 0.5)) < 1e-12
    with pytest.raises(EnvError, match="bounded Box"):
        uniform_log_density(gym.spaces.Box(-np.inf, np.inf, (2,)))


def test_gradient_penalty_leaves_free_columns_out_of_the_norm():
    """fn(x) = 3·x0 + 4·x1 + 100·flag: with the flag free the slope is 5, so the penalty is (5 - 1)²."""
    w = torch.tensor([3.0, 4.0, 100.0])
    x_e, x_g = torch.randn(8, 3), torch.randn(8, 3)
    alpha = torch.rand(8, 1)
    flag = torch.tensor([False, False, True])
    free = gradient_penalty(lambda x: x @ w, (x_e,), (x_g,), alpha, free=(flag,))
    assert abs(free.item() - 16.0) < 1e-4
    assert gradient_penalty(lambda x: x @ w, (x_e,), (x_g,), alpha).item() > 9000  # (|w| - 1)² otherwise


def test_gradient_penalty_scales_take_the_slope_in_scaled_units():
    w = torch.tensor([3.0, 4.0])  # slope 5 in raw units
    x_e, x_g, alpha = torch.randn(16, 2), torch.randn(16, 2), torch.rand(16, 1)
    scaled = gradient_penalty(lambda x: x @ w, (x_e,), (x_g,), alpha, scales=(torch.tensor([0.2, 0.2]),))
    assert scaled.item() < 1e-10  # slope 1 per unit of x / 0.2
    assert abs(gradient_penalty(lambda x: x @ w, (x_e,), (x_g,), alpha).item() - 16.0) < 1e-4
