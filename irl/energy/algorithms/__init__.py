"""The learners: each is a small function returning a :class:`irl.energy.learner.Learner`."""

from irl.energy.algorithms.airl import airl
from irl.energy.algorithms.gail import gail
from irl.energy.algorithms.gcl import gcl

LEARNERS = {"gail": gail, "airl": airl, "gcl": gcl}

__all__ = ["LEARNERS", "airl", "gail", "gcl"]
