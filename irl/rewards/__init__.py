"""Learned rewards: the artifact a run exports, and what uses it.

:mod:`~irl.rewards.artifact` (export and load, pickle-free; loading imports no
training code), :mod:`~irl.rewards.wrappers` (a learned reward in any Gymnasium loop)
and :mod:`~irl.rewards.judge` (correlations and EPIC distance to a true reward).
"""
