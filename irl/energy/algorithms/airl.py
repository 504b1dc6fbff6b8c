"""AIRL (Fu, Luo, Levine 2018, "Learning Robust Rewards with Adversarial IRL").

In the energy view: the shaped energy E = -(g(s) + γ·h(s') - h(s)) and
log q = log π(a|s) of the current policy, so
D = exp(f) / (exp(f) + π(a|s)) with f = -E (Fu et al., eq. 4). The policy
is trained on the logit f - log π = log D - log(1 - D); the exported reward
is g, state-only by default so that it transfers across dynamics (sec. 5).
"""

from __future__ import annotations

from irl.energy.learner import Learner, policy_log_q
from irl.energy.networks import EnergySpec, build_energy


def airl(spec: EnergySpec) -> Learner:
    """AIRL with a shaped energy over ``spec`` (spec.kind must be 'shaped')."""
    if spec.kind != "shaped":
        raise ValueError(f"AIRL uses a shaped energy, got kind {spec.kind!r}")
    return Learner(name="airl", energy=build_energy(spec), log_q=policy_log_q, policy_reward="logit")
