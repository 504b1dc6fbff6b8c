"""Every shipped demo set loads, fits its env, and carries the numbers scores need."""

from pathlib import Path

import gymnasium as gym
import pytest

from irl.cli import QUICKSTART, shipped_demos
from irl.data.demos import check_against_env, load_demos

SHIPPED = sorted((Path(__file__).resolve().parents[1] / "demos").glob("*.npz"))


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_shipped_set_is_valid(path):
    demos = load_demos(path)
    env = gym.make(demos.env_id)
    check_against_env(demos, env.observation_space, env.action_space, demos.env_id)
    assert demos.n_episodes >= 10
    assert demos.random_return is not None and demos.expert_return > demos.random_return
    assert demos.metadata["expert"]["stochastic"] is True


def test_quickstart_demos_are_installed():
    assert load_demos(shipped_demos(QUICKSTART["demos"])).env_id == QUICKSTART["env"]
