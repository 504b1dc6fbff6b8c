"""GCL's cost regularisers and the index of consecutive steps they run on."""

import numpy as np
import torch

from irl.energy.regularizers import consecutive_steps, lcr_penalty, mono_penalty


def test_consecutive_steps_stay_inside_episodes_time_major():
    # 2 envs, 4 steps; env 0 ends its episode at t=1, env 1 never.
    ends = np.array([[False, False], [True, False], [False, False], [False, False]])
    runs = consecutive_steps(ends, 3)
    # rows are t * 2 + env: env 0 has no 3-step run (episodes of 2 steps), env 1 has t=0..2 and 1..3
    assert sorted(map(tuple, runs)) == [(1, 3, 5), (3, 5, 7)]
    assert consecutive_steps(np.zeros((2, 1), dtype=bool), 3).shape == (0, 3)


def test_lcr_is_zero_for_a_steady_rate_and_the_squared_second_difference_otherwise():
    steady = torch.tensor([[1.0, 2.0, 3.0], [5.0, 3.0, 1.0]])
    assert lcr_penalty(steady).item() == 0.0
    bent = torch.tensor([[0.0, 1.0, 4.0]])  # second difference (4-1)-(1-0) = 2
    assert lcr_penalty(bent).item() == 4.0


def test_mono_penalises_only_rises_of_more_than_one():
    cost = torch.tensor([[3.0, 1.0], [1.0, 1.5], [1.0, 4.0]])  # falls, rises 0.5, rises 3
    assert abs(mono_penalty(cost).item() - (2.0**2) / 3) < 1e-6
