"""Guided cost learning in its GAN form (Finn, Levine, Abbeel 2016; Finn, Christiano,
Abbeel, Levine 2016, "A Connection between GANs, IRL and Energy-Based Models").

In the energy view: a free cost E(s, a) (or E(τ) = sum_t E(s_t, a_t) for whole
trajectory segments) and log q = the sampler's density, the fusion of the
recent policies whose rollouts the discriminator replays (:mod:`irl.energy.history`).
log Z is learned as E's output bias or estimated by importance sampling
(:mod:`irl.energy.partition`); the optional lcr / mono cost regularisers are in
:mod:`irl.energy.regularizers`. The policy is trained on -E - log π(a|s) - log Z (the
MaxEnt objective, whose per-trajectory sum is the generator's loss
log Z + E_q[E + log q] negated); the exported reward is -E.
"""

from __future__ import annotations

from irl.energy.learner import Learner, policy_log_q
from irl.energy.networks import EnergySpec, build_energy


def gcl(spec: EnergySpec) -> Learner:
    """GAN-GCL with a free cost over ``spec`` (spec.kind must be 'free')."""
    if spec.kind != "free":
        raise ValueError(f"GCL uses a free energy, got kind {spec.kind!r}")
    return Learner(name="gcl", energy=build_energy(spec), log_q=policy_log_q, policy_reward="logit")
