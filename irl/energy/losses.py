"""The discriminator formula, its loss, and the policy rewards read off it.

One formula (Finn, Christiano, Abbeel, Levine 2016, sec. 3.1-3.2)::

    D(x) = exp(-E(x)) / (exp(-E(x)) + Z·q(x))
    logit(x) = log D - log(1 - D) = -E(x) - log q(x) - log Z     (expert labelled 1)

GAIL sets log q = 0 (q absorbed into a free E), AIRL sets log q = log π(a|s)
of the current policy, GCL uses the sampler's density. log Z is the bias of
E's last layer. All maps are pure functions of tensors, in stable forms.
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F


def discriminator_logit(energy: torch.Tensor, log_q: torch.Tensor | None = None,
                        log_z: torch.Tensor | float | None = None) -> torch.Tensor:
    """logit = -E - log q - log Z.  energy, log_q: (B,) -> (B,).

    log_q None means 0 (GAIL); log_z None means log Z lives in E's output bias
    (learned); a value is GCL's importance-sampled estimate (:mod:`irl.energy.partition`).
    """
    logit = -energy if log_q is None else -energy - log_q
    return logit if log_z is None else logit - log_z


def discriminator_loss(logit_expert: torch.Tensor, logit_gen: torch.Tensor,
                       weights_expert: torch.Tensor | None = None,
                       weights_gen: torch.Tensor | None = None) -> torch.Tensor:
    """Binary cross-entropy, expert labelled 1, classes weighted equally.

    -1/2·E_expert[log D] - 1/2·E_gen[log(1 - D)], with log D = -softplus(-logit)
    and log(1 - D) = -softplus(logit).  logit_expert: (B_e,), logit_gen: (B_g,) -> ().
    weights_*: optional probabilities of the rows (each summing to 1) for exact
    expectations over small sample spaces; None is the batch mean.
    """
    return 0.5 * (_expect(F.softplus(-logit_expert), weights_expert) + _expect(F.softplus(logit_gen), weights_gen))


def _expect(values: torch.Tensor, weights: torch.Tensor | None) -> torch.Tensor:
    return values.mean() if weights is None else (values * weights).sum()


def gradient_penalty(fn: Callable[..., torch.Tensor], expert: tuple[torch.Tensor, ...],
                     gen: tuple[torch.Tensor, ...], alpha: torch.Tensor,
                     free: tuple[torch.Tensor | None, ...] | None = None,
                     scales: tuple[torch.Tensor | None, ...] | None = None) -> torch.Tensor:
    """WGAN-GP style penalty E[(||∇_z fn(x̂)||₂ - 1)²] on interpolates x̂ = α·x_e + (1-α)·x_g.

    Gulrajani et al. 2017, eq. 3; used for adversarial imitation by Kostrikov
    et al. 2019 (DAC) and recommended by Orsini et al. 2021.

    Args:
        fn: maps input tensors (each (B, d_i)) to (B,) outputs.
        expert: a tuple of float tensors (B, d_i).
        gen: a tuple of float tensors matching ``expert``'s shapes.
        alpha: (B, 1) mixing weights in [0, 1].
        free: per input, None or a (d_i,) bool mask of columns left out of the norm (the
            absorbing-state flag: a discrete feature whose weight must not be slope-limited).
        scales: per input, None or a (d_i,) tensor s_i: the slope is taken in the units
            z = x / s (∂fn/∂z = s·∂fn/∂x). With the energy's standardising std as s it is the
            slope in the units the energy sees, so a weight limits every feature alike
            whatever its raw scale. None: raw units.
    """
    mixed = [(alpha * e + (1 - alpha) * g).detach().requires_grad_(True) for e, g in zip(expert, gen)]
    out = fn(*mixed)
    grads = list(torch.autograd.grad(out.sum(), mixed, create_graph=True, allow_unused=True))
    for i, scale in enumerate(scales or ()):
        if scale is not None and grads[i] is not None:
            grads[i] = grads[i] * scale
    for i, mask in enumerate(free or ()):
        if mask is not None and grads[i] is not None:
            grads[i] = grads[i][:, ~mask]
    used = [g.flatten(1) for g in grads if g is not None]  # an input fn ignores has zero gradient
    norm = torch.cat(used, dim=1).norm(dim=1)
    return ((norm - 1) ** 2).mean()


# Policy rewards as functions of the logit; names carry their sign.
POLICY_REWARDS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    # -log(1 - D) >= 0: a survival bonus on tasks that terminate (GAIL's usual choice).
    "softplus": F.softplus,
    # log D <= 0: a per-step cost, a death wish on tasks that terminate.
    "log_d": lambda logit: -F.softplus(-logit),
    # log D - log(1 - D): AIRL's reward, = -E - log π (an entropy-regularised reward).
    "logit": lambda logit: logit,
}
"""Policy rewards as functions of the logit (B,) -> (B,): 'softplus' = -log(1 - D) >= 0,
'log_d' = log D <= 0, 'logit' = log D - log(1 - D)."""

NEG_ENERGY = "neg_energy"
"""The policy reward f = -E alone, not a function of the logit: the entropy term of the
MaxEnt objective E[f - log π] is left to the RL algorithm's own entropy bonus (PPO's
ent_coef, SAC's α), as the `imitation` library trains AIRL. With ent_coef = 1 the
objective is the 'logit' one, with the analytic entropy in place of the sampled -log π."""

POLICY_REWARD_NAMES = (*POLICY_REWARDS, NEG_ENERGY)


def policy_reward(logit: torch.Tensor, kind: str) -> torch.Tensor:
    """The reward the generator is trained on, from the discriminator logit (B,) -> (B,)."""
    return POLICY_REWARDS[kind](logit)
