"""The RL side: the only code that imports stable-baselines3.

:mod:`~irl.rl.sb3_adapter` (the PPO generator with batched reward relabelling, envs,
training on a given reward), :mod:`~irl.rl.sac_generator` (SAC as the generator),
:mod:`~irl.rl.pretrain` (behaviour cloning), :mod:`~irl.rl.policy_io` (policies on
disk, pickle-free) and :mod:`~irl.rl.presets` (the tuned PPO and SAC tables of the task recipes).
The rest of the library talks to the generator through a small interface.
"""
