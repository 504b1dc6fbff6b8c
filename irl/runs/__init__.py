"""Runs: a training run from its config to its folder.

:mod:`~irl.runs.config` (``TrainConfig``), :mod:`~irl.runs.recipes`
(a task's settings as data, resolved into a TrainConfig), :mod:`~irl.runs.trainer` (the one
adversarial trainer), :mod:`~irl.runs.checkpoint` (pickle-free checkpoints),
:mod:`~irl.runs.run_dir` (the run folder), :mod:`~irl.runs.progress` (rounds and the
progress bar) and :mod:`~irl.runs.evaluation` (returns on the true reward).
"""
