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
