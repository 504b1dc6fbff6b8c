"""The energy side: one energy, one discriminator formula, three learners.

D = exp(-E) / (exp(-E) + Z·q). :mod:`~irl.energy.networks` holds E,
:mod:`~irl.energy.losses` the logit, its loss and the policy rewards read off it,
:mod:`~irl.energy.partition` log Z and the sampler densities,
:mod:`~irl.energy.regularizers` GCL's cost regularisers, :mod:`~irl.energy.history`
GCL's replay of recent rollouts, :mod:`~irl.energy.disc_batch` and
:mod:`~irl.energy.discriminator` the discriminator's rows and updates,
:mod:`~irl.energy.tabular` the exact MaxEnt IRL reference on small MDPs.
:mod:`~irl.energy.learner` says what a learner is; GAIL, AIRL and GCL are one small
file each under :mod:`irl.energy.algorithms`.

Nothing here imports stable-baselines3 or the trainer (:mod:`irl.runs`), and the
learners do not import each other; ``tests/test_layout.py`` holds these rules.
"""
