"""Tabular ground truth: what AIRL's and GAIL's energies converge to (Fu et al. 2018, sec. 5).

A deterministic 4x4 grid with a state-only reward; the expert is its soft-optimal
policy, demonstrations its exact occupancy. The library's own energies run with
one-hot states and no hidden layer, so g and h are tables, and the loss is the
library's discriminator loss weighted by exact occupancies.
"""

import numpy as np
import pytest
import torch

from irl.energy.losses import discriminator_logit, discriminator_loss
from irl.energy.networks import EnergySpec, FreeEnergy, ShapedEnergy
from irl.energy.tabular import TabularMDP, gridworld, occupancy, soft_value_iteration

F64 = torch.float64
MDP = gridworld(4, goal=(3, 2), gamma=0.9, scale=2.0)
S, A = MDP.n_states, MDP.n_actions
EXPERT = soft_value_iteration(MDP)
RHO_EXPERT = torch.as_tensor(occupancy(MDP, EXPERT.policy).reshape(-1))  # (S*A,)

# Every (s, a) pair once, as one-hot rows: (S*A, S), (S*A, A), (S*A, S).
OBS = torch.eye(S, dtype=F64).repeat_interleave(A, 0)
ACTS = torch.eye(A, dtype=F64).repeat(S, 1)
NEXT_OBS = torch.eye(S, dtype=F64)[torch.as_tensor(MDP.next_state().reshape(-1))]
DONE = torch.zeros(S * A, dtype=F64)


def tabular_energy(kind: str):
    spec = EnergySpec(kind=kind, obs_dim=S, act_dim=A, state_only=kind == "shaped", absorbing=False,
                      hidden=(), gamma=MDP.gamma)
    torch.manual_seed(0)
    return (ShapedEnergy if kind == "shaped" else FreeEnergy)(spec).double()


def fit_to_optimum(energy, log_q, rho_gen) -> None:
    """Minimise the exact discriminator loss (expert rows weighted by the expert's
    occupancy, generator rows by ``rho_gen``) with L-BFGS."""
    opt = torch.optim.LBFGS(energy.parameters(), max_iter=2000, tolerance_grad=1e-12, tolerance_change=1e-15,
                            line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        logit = discriminator_logit(energy(OBS, ACTS, NEXT_OBS, DONE), log_q)
        loss = discriminator_loss(logit, logit, RHO_EXPERT, rho_gen)
        loss.backward()
        return loss

    opt.step(closure)


def g_and_h(energy) -> tuple[np.ndarray, np.ndarray]:
    with torch.no_grad():
        g = energy.g_value(torch.eye(S, dtype=F64), torch.zeros(S, A, dtype=F64)).numpy()
        h = energy.h_value(torch.eye(S, dtype=F64)).numpy()
    return g, h


def test_soft_value_iteration_satisfies_the_soft_bellman_equation():
    q, v, pi = EXPERT.q, EXPERT.v, EXPERT.policy
    np.testing.assert_allclose(q, MDP.reward[:, None] + MDP.gamma * MDP.transitions @ v, atol=1e-8)
    np.testing.assert_allclose(v, np.log(np.exp(q).sum(axis=1)), atol=1e-12)
    np.testing.assert_allclose(pi.sum(axis=1), 1.0, atol=1e-12)
    assert RHO_EXPERT.sum().item() == pytest.approx(1.0)
    assert pi[0].argmax() in (2, 4)  # from the top-left corner the goal (3, 2) is down or right


def test_tabular_mdp_rejects_bad_shapes():
    with pytest.raises(ValueError, match="sum to 1"):
        TabularMDP(transitions=np.zeros((2, 1, 2)), reward=np.zeros(2), initial=np.array([0.5, 0.5]), gamma=0.9)


def test_at_equilibrium_airl_recovers_the_reward_and_the_soft_value():
    """Generator = expert: the loss is least where f(s, a, s') = log π_E(a|s), and on
    deterministic dynamics (with a 'stay' action) the only state-only solutions are
    g = r + (1-γ)·c and h = V + c (Fu et al. 2018, theorem 5.1)."""
    energy = tabular_energy("shaped")
    fit_to_optimum(energy, torch.as_tensor(np.log(EXPERT.policy).reshape(-1)), RHO_EXPERT)
    g, h = g_and_h(energy)
    assert np.ptp(g - MDP.reward) < 1e-4  # equal up to a constant
    assert np.ptp(h - EXPERT.v) < 1e-4
    np.testing.assert_allclose(g - MDP.reward, (1 - MDP.gamma) * (h - EXPERT.v), atol=1e-4)


def test_at_equilibrium_gails_energy_carries_no_reward():
    """GAIL's D = sigmoid(-E) is 1/2 everywhere once the generator matches the expert:
    its energy is a constant, whatever the true reward (spread 2.5 here)."""
    energy = tabular_energy("free")
    fit_to_optimum(energy, None, RHO_EXPERT)
    with torch.no_grad():
        e = energy(OBS, ACTS, NEXT_OBS, DONE).numpy()
    assert np.ptp(e) < 1e-4 < np.ptp(MDP.reward)


def test_airl_game_from_a_uniform_policy_learns_the_expert_and_its_reward():
    """The whole adversarial loop, exactly: discriminator Adam steps on the exact loss
    (log q = log π of the current policy), then the generator's MaxEnt best response
    (soft value iteration on f). The policy approaches the expert and g correlates with r."""
    energy = tabular_energy("shaped")
    opt = torch.optim.Adam(energy.parameters(), lr=0.05)
    policy = np.full((S, A), 1.0 / A)
    kl_start = _kl_to_expert(policy)
    for _ in range(120):
        rho = torch.as_tensor(occupancy(MDP, policy).reshape(-1))
        log_q = torch.as_tensor(np.log(policy).reshape(-1))
        for _ in range(10):
            opt.zero_grad()
            logit = discriminator_logit(energy(OBS, ACTS, NEXT_OBS, DONE), log_q)
            discriminator_loss(logit, logit, RHO_EXPERT, rho).backward()
            opt.step()
        with torch.no_grad():
            f = -energy(OBS, ACTS, NEXT_OBS, DONE).numpy().reshape(S, A)
        policy = soft_value_iteration(MDP, f).policy
    g, _ = g_and_h(energy)
    assert _kl_to_expert(policy) < 0.02 * kl_start
    assert np.corrcoef(g, MDP.reward)[0, 1] > 0.99


def _kl_to_expert(policy: np.ndarray) -> float:
    """KL(π_E || π) averaged over the expert's occupancy."""
    rho = RHO_EXPERT.numpy().reshape(S, A)
    return float((rho * (np.log(EXPERT.policy) - np.log(policy))).sum())
