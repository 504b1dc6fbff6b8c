"""GAN = MaxEnt IRL = EBM (Finn, Christiano, Abbeel, Levine 2016, sec. 3), exactly.

A sample space of 6 outcomes with a linear energy E_θ(x) = θ·φ(x), a demo
distribution p and a generator q: every expectation is a finite sum, so the
identities of the paper hold to float64 precision, through the library's own
logit, loss and partition functions.
"""

import math

import torch

from irl.energy.losses import discriminator_logit, discriminator_loss
from irl.energy.partition import (
    fusion_log_density,
    importance_log_partition,
    mixture_log_proposal,
)

F64 = torch.float64  # all exact checks run in double precision

N = 6
G = torch.Generator().manual_seed(0)
FEATURES = torch.randn(N, 3, generator=G, dtype=F64)  # φ(x): (N, 3)
P_DEMO = torch.softmax(torch.randn(N, generator=G, dtype=F64), 0)  # p(x)
Q_GEN = torch.softmax(torch.randn(N, generator=G, dtype=F64), 0)  # q(x)
THETA = torch.randn(3, generator=G, dtype=F64)
MU = 0.5 * P_DEMO + 0.5 * Q_GEN  # the sampling mixture of demos and generator


def energy(theta: torch.Tensor) -> torch.Tensor:
    return FEATURES @ theta  # (N,)


def disc_loss(theta: torch.Tensor, log_z: torch.Tensor, q: torch.Tensor = Q_GEN) -> torch.Tensor:
    """The exact discriminator loss: demo rows weighted by p, generator rows by q."""
    logit = discriminator_logit(energy(theta), torch.log(q), log_z)
    return discriminator_loss(logit, logit, P_DEMO, q)


def optimal_log_z(theta: torch.Tensor) -> float:
    """argmin over log Z of the loss (convex in log Z), by bisection on its derivative."""
    lo, hi = -50.0, 50.0
    for _ in range(200):
        mid = torch.tensor(0.5 * (lo + hi), dtype=F64, requires_grad=True)
        (grad,) = torch.autograd.grad(disc_loss(theta, mid), mid)
        lo, hi = (mid.item(), hi) if grad < 0 else (lo, mid.item())
    return 0.5 * (lo + hi)


def is_log_z(theta: torch.Tensor, log_z: float) -> torch.Tensor:
    """GCL's importance-sampling estimate with the proposal mu~ built at ``log_z``."""
    e = energy(theta)
    return importance_log_partition(e, mixture_log_proposal(e, torch.log(Q_GEN), log_z), weights=MU)


def test_the_z_that_zeroes_the_loss_derivative_is_the_importance_sampling_estimate():
    log_z = optimal_log_z(THETA)
    assert abs(is_log_z(THETA, log_z).item() - log_z) < 1e-9
    # and not a trivial fixed point: another log Z gives another estimate
    assert abs(is_log_z(THETA, log_z + 1.0).item() - (log_z + 1.0)) > 1e-2


def test_at_that_z_the_discriminator_gradient_is_the_maxent_irl_gradient():
    log_z = optimal_log_z(THETA)
    theta = THETA.clone().requires_grad_(True)
    (disc_grad,) = torch.autograd.grad(disc_loss(theta, torch.tensor(log_z, dtype=F64)), theta)

    # Guided cost learning's objective E_p[E] + log Ẑ, importance weights held constant.
    e = energy(theta)
    log_proposal = mixture_log_proposal(e, torch.log(Q_GEN), log_z).detach()
    ioc = (P_DEMO * e).sum() + importance_log_partition(e, log_proposal, weights=MU)
    (ioc_grad,) = torch.autograd.grad(ioc, theta)
    # The loss averages its two classes (factor 1/2), hence the 1/2.
    torch.testing.assert_close(disc_grad, 0.5 * ioc_grad, atol=1e-12, rtol=1e-9)
    assert ioc_grad.abs().max() > 1e-3  # a real gradient, not 0 = 0


def test_generator_loss_is_log_z_plus_energy_minus_entropy():
    log_z = 0.7
    e = energy(THETA)
    d = torch.exp(-e) / (torch.exp(-e) + math.exp(log_z) * Q_GEN)
    gen_loss = (Q_GEN * (torch.log(1 - d) - torch.log(d))).sum()  # E_q[log(1-D) - log D]
    torch.testing.assert_close(gen_loss, log_z + (Q_GEN * (e + torch.log(Q_GEN))).sum())
    # and it is the negated logit, averaged over the generator's samples
    torch.testing.assert_close(gen_loss, -(Q_GEN * discriminator_logit(e, torch.log(Q_GEN), log_z)).sum())


def test_generator_loss_is_minimised_by_the_maxent_policy():
    """Over all q on the simplex, log Z + E_q[E + log q] is least at q = exp(-E)/Σexp(-E)."""
    e = energy(THETA)
    logits = torch.zeros(N, dtype=F64, requires_grad=True)
    opt = torch.optim.LBFGS([logits], max_iter=500, tolerance_grad=1e-12, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        q = torch.softmax(logits, 0)
        loss = -(q * discriminator_logit(e, torch.log(q), 0.0)).sum()
        loss.backward()
        return loss

    opt.step(closure)
    torch.testing.assert_close(torch.softmax(logits.detach(), 0), torch.softmax(-e, 0), atol=1e-5, rtol=0)


def test_with_a_maxent_generator_the_energy_gradient_is_the_tabular_maxent_gradient():
    """q = exp(-E)/Σexp(-E) makes every logit the same constant c = log Σexp(-E) - log Z;
    the loss is least in log Z at c = 0, where ∂L/∂E_x = 1/4 (p(x) - q(x)): a quarter of
    the MaxEnt IRL gradient of E_p[E] + log Σexp(-E) (Ziebart et al. 2008)."""
    e = (-torch.log(Q_GEN)).requires_grad_(True)  # any energy; its MaxEnt policy is Q_GEN
    log_z = torch.logsumexp(-e.detach(), 0).requires_grad_(True)
    logit = discriminator_logit(e, torch.log(Q_GEN), log_z)
    torch.testing.assert_close(logit.detach(), torch.zeros(N, dtype=F64), atol=1e-12, rtol=0)
    e_grad, z_grad = torch.autograd.grad(discriminator_loss(logit, logit, P_DEMO, Q_GEN), (e, log_z))
    assert abs(z_grad.item()) < 1e-12
    maxent_grad = P_DEMO - Q_GEN
    torch.testing.assert_close(e_grad, 0.25 * maxent_grad, atol=1e-12, rtol=0)


def test_at_the_maxent_optimum_d_is_one_half_and_the_model_is_the_demo_distribution():
    """The exact game: the energy (one value per outcome) and log Z descend the
    discriminator loss; the generator answers with its MaxEnt optimum q = exp(-E)/Σexp(-E).
    It ends with exp(-E)/Z = p and D = 1/2 everywhere."""
    e = torch.zeros(N, dtype=F64, requires_grad=True)
    log_z = torch.zeros((), dtype=F64, requires_grad=True)
    opt = torch.optim.SGD([e, log_z], lr=4.0)
    for _ in range(2000):
        q = torch.softmax(-e, 0).detach()  # the generator's best response
        opt.zero_grad()
        logit = discriminator_logit(e, torch.log(q), log_z)
        discriminator_loss(logit, logit, P_DEMO, q).backward()
        opt.step()
    e, log_z = e.detach(), log_z.detach()
    torch.testing.assert_close(torch.exp(-e - log_z), P_DEMO, atol=1e-6, rtol=0)
    q = torch.softmax(-e, 0)
    d = torch.sigmoid(discriminator_logit(e, torch.log(q), log_z))
    torch.testing.assert_close(d, torch.full((N,), 0.5, dtype=F64), atol=1e-6, rtol=0)


def test_fusion_density_is_the_mixture_of_policies():
    log_probs = torch.log(torch.tensor([[0.2, 0.5], [0.6, 0.1], [0.1, 0.1]], dtype=F64))  # (K=3, B=2)
    torch.testing.assert_close(fusion_log_density(log_probs), torch.log(torch.tensor([0.3, 0.7 / 3], dtype=F64)))
