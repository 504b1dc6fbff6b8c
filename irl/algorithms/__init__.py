"""The learners: each is a small function returning a :class:`irl.learner.Learner`."""

from irl.algorithms.airl import airl
from irl.algorithms.gail import gail

LEARNERS = {"gail": gail, "airl": airl}

__all__ = ["LEARNERS", "airl", "gail"]
