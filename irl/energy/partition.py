"""The partition function Z of the energy model, by importance sampling.

Guided cost learning (Finn, Levine, Abbeel 2016, sec. 4.1) estimates
Z = sum_x exp(-E(x)) with samples from a mixture of demonstrations and the
generator. GAN-GCL (Finn, Christiano, Abbeel, Levine 2016, sec. 3.2) shows
that this estimate is exactly the Z at which the discriminator loss stops
depending on Z, with the proposal

    mu~(x) = 1/2 exp(-E(x))/Z + 1/2 q(x)

(the model's density stands in for the unknown demo density). The generator's
density q of a replayed sample is a *fusion* density, the mixture of the
recent policies that could have drawn it (GCL sec. 4.1).

What the estimate is depends on the form. In the trajectory form q is a density
over whole segments, as exp(-E) is, and Ẑ estimates their partition function. In
the per-step form q is π(a|s), a density over actions given the state, not over
x = (s, a): Ẑ is then the bias at which the discriminator loss is stationary (the
loss-optimal log Z of fact 1 in docs/energy.md), not Σ_x exp(-E(x)). The
discriminator logs the weights' effective sample size (:func:`effective_sample_size`)
beside it: a small one means few samples carry the estimate.

All functions work in log space on (B,) tensors and never form exp(-E).
"""

from __future__ import annotations

import math

import torch


def mixture_log_proposal(energy: torch.Tensor, log_q: torch.Tensor, log_z: torch.Tensor | float) -> torch.Tensor:
    """log mu~(x) = log(1/2 exp(-E - log Z) + 1/2 q).  energy, log_q: (B,) -> (B,)."""
    return torch.logaddexp(-energy - log_z, log_q) - math.log(2.0)


def importance_log_partition(energy: torch.Tensor, log_proposal: torch.Tensor,
                             weights: torch.Tensor | None = None) -> torch.Tensor:
    """log Ẑ = log E_{x~mu}[exp(-E(x)) / mu~(x)]: a scalar.

    energy: (B,) energies of samples drawn from mu (half demos, half generator);
    log_proposal: (B,) log mu~(x), treated as a constant (detached), so the gradient of
    log Ẑ in θ is -sum_x w_x ∇E(x) with self-normalised weights w ∝ exp(-E)/mu~
    (the GCL gradient, eq. 3 of Finn, Levine, Abbeel 2016);
    weights: (B,) probabilities of the samples under mu (exact expectations on small
    problems); None means the B samples are equally likely draws.
    """
    log_w = -energy - log_proposal.detach()
    if weights is None:
        return torch.logsumexp(log_w, dim=0) - math.log(len(energy))
    return torch.logsumexp(log_w + torch.log(weights), dim=0)


def effective_sample_size(log_weights: torch.Tensor) -> float:
    """Kish's effective sample size of importance weights, as a fraction of their number:
    (Σw)² / (B·Σw²) in (0, 1], from log w (B,). Near 1/B, one sample carries the estimate."""
    log_w = log_weights.detach()
    return float(torch.exp(2 * torch.logsumexp(log_w, 0) - torch.logsumexp(2 * log_w, 0)) / len(log_w))


def floored_log_density(log_pi: torch.Tensor, eps: float, log_u: float) -> torch.Tensor:
    """log of the defensive mixture q = (1-ε)·π + ε·u (Hesterberg 1995): any shape -> same.

    u is a fixed broad density over actions (uniform over the action space), so
    log q >= log ε + log u however far an action lies from the policy's mean. In
    AIRL's logit f - log q this bounds how far an expert action the generator
    never takes can push its logit (log π of such an action under a narrow
    Gaussian policy is often below -100, the logistic loss then saturates and the
    energy learns only from generator samples). ε = 0 returns log π unchanged.
    """
    if eps == 0:
        return log_pi
    return torch.logaddexp(log_pi + math.log1p(-eps), torch.full_like(log_pi, math.log(eps) + log_u))


def fusion_log_density(log_probs: torch.Tensor) -> torch.Tensor:
    """log of the uniform mixture of K policies' densities: (K, B) -> (B,)."""
    return torch.logsumexp(log_probs, dim=0) - math.log(log_probs.shape[0])
