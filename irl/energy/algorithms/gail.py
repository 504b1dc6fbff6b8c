"""GAIL (Ho & Ermon 2016, "Generative Adversarial Imitation Learning").

In the energy view: a free energy E(s, a), no log q term (the generator
density is absorbed into E), so D = sigmoid(-E). The policy is trained on
softplus(logit) = -log(1 - D) by default; the exported reward is -E.
"""

from __future__ import annotations

from irl.energy.learner import Learner, no_log_q
from irl.energy.networks import EnergySpec, build_energy


def gail(spec: EnergySpec) -> Learner:
    """GAIL with a free energy over ``spec`` (spec.kind must be 'free')."""
    if spec.kind != "free":
        raise ValueError(f"GAIL uses a free energy, got kind {spec.kind!r}")
    return Learner(name="gail", energy=build_energy(spec), log_q=no_log_q, policy_reward="softplus")
