"""The learners: each is a small function returning a :class:`irl.learner.Learner`."""

from irl.algorithms.airl import airl
from irl.algorithms.gail import gail
from irl.algorithms.gcl import gcl

LEARNERS = {"gail": gail, "airl": airl, "gcl": gcl}

__all__ = ["LEARNERS", "airl", "gail", "gcl"]
