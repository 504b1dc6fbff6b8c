"""EnergyEnsemble evaluates its K members as one batched network (stacked weights, one
matrix product per layer): every reading must equal the members' own, one by one."""

import itertools

import pytest
import torch

from irl.energy.networks import EnergySpec, build_energy


def _ensemble(kind, state_only, absorbing, bound, reduce):
    torch.manual_seed(0)
    spec = EnergySpec(kind=kind, obs_dim=3, act_dim=2, state_only=state_only, absorbing=absorbing,
                      hidden=(8, 5), gamma=0.9, bound=bound, members=4)
    energy = build_energy(spec, reduce=reduce)
    for k, member in enumerate(energy.members):  # members differ in statistics and absorbing values
        member.normalize.mean.copy_(torch.randn(3))
        member.normalize.std.copy_(torch.rand(3) + 0.5)
        if absorbing and k % 2 == 0:
            member.set_absorbing_logit_(float(k) - 1.5)
    return energy


def _batch(absorbing, n=7):
    obs, nxt = torch.randn(n, 3) * 4, torch.randn(n, 3) * 4  # beyond ±10 std after scaling: the clip acts
    if absorbing:
        flag = torch.zeros(n, 1)
        flag[-2:] = 1.0  # the last two rows are the absorbing state
        obs, nxt = torch.cat([obs * (1 - flag), flag], 1), torch.cat([nxt, torch.zeros(n, 1)], 1)
    return obs, torch.randn(n, 2), nxt, (torch.arange(n) % 3 == 0).float()


CASES = list(itertools.product(["free", "shaped"], [True, False], [True, False], [None, 2.0], ["mean", "pessimistic"]))


@pytest.mark.parametrize("kind,state_only,absorbing,bound,reduce", CASES)
def test_the_batched_members_equal_each_member_on_its_own(kind, state_only, absorbing, bound, reduce):
    energy = _ensemble(kind, state_only, absorbing, bound, reduce)
    obs, acts, nxt, term = _batch(absorbing)
    each = torch.stack([m(obs, acts, nxt, term) for m in energy.members])  # (K, B)
    torch.testing.assert_close(energy.member_energies(obs, acts, nxt, term), each, rtol=1e-5, atol=1e-5)
    expected = each.mean(0) if reduce == "mean" else each.amax(0)
    torch.testing.assert_close(energy(obs, acts, nxt, term), expected, rtol=1e-5, atol=1e-5)
    if kind == "shaped":
        g = torch.stack([m.g_value(obs, acts) for m in energy.members])
        torch.testing.assert_close(energy.g_value(obs, acts), g.mean(0) if reduce == "mean" else g.amin(0),
                                   rtol=1e-5, atol=1e-5)


def test_gradients_reach_every_member_as_through_their_own_forward():
    energy = _ensemble("shaped", False, True, None, "mean")
    obs, acts, nxt, term = _batch(True)
    energy(obs, acts, nxt, term).sum().backward()
    batched = [p.grad.clone() for p in energy.parameters()]
    energy.zero_grad()
    torch.stack([m(obs, acts, nxt, term) for m in energy.members]).mean(0).sum().backward()
    for got, expected in zip(batched, (p.grad for p in energy.parameters())):
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-6)
