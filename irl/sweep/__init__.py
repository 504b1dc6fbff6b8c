"""Sweeps: a grid (or a search) of runs over learners, tasks, seeds and settings, on Ray Tune.

:mod:`irl.sweep.spec` reads a sweep's TOML spec into trials, :mod:`irl.sweep.trial` runs
one trial into an ordinary run folder, :mod:`irl.sweep.report` writes the tables and plots
of a sweep folder, :mod:`irl.sweep.live` keeps the live view; none of them imports Ray.
:mod:`irl.sweep.ray_backend` schedules the trials on Ray Tune and is imported only when a
sweep runs.
"""
