"""The defaults TrainConfig resolves per learner, and the combinations it refuses."""

import gymnasium as gym
import pytest

from irl.errors import ConfigError
from irl.runs.config import TrainConfig


def config(learner, **options):
    return TrainConfig(learner=learner, env_id="Pendulum-v1", demos="unused", total_steps=1000, **options)


@pytest.mark.parametrize("learner, options, tau, penalty", [
    ("gail", {}, 1.0, 10.0),
    ("airl", {}, 0.05, 10.0),
    ("gcl", {}, 1.0, 0.0),  # the papers' GAN-GCL
    ("gcl", {"entropy_weight": 0.05}, 0.05, 0.0),
    ("airl", {"log_z": "importance"}, 1.0, 0.0),  # the importance estimate needs the normalised q
    ("gcl", {"log_z": "importance"}, 1.0, 0.0),
    ("gcl", {"gcl_form": "trajectory"}, 1.0, 0.0),  # q of a segment is a product of densities
    ("airl", {"entropy_weight": 1.0}, 1.0, 0.0),  # an entropy bonus of weight 1 outweighs a slope-limited f
    ("gcl", {"entropy_weight": 1.0, "grad_penalty": 5.0}, 1.0, 5.0),
    ("airl", {"entropy_weight": 0.2}, 0.2, 10.0),
])
def test_resolved_entropy_weight_and_gradient_penalty(learner, options, tau, penalty):
    resolved = config(learner, **options)
    assert (resolved.resolved_entropy_weight, resolved.resolved_grad_penalty) == (tau, penalty)


@pytest.mark.parametrize("learner, options, message", [
    ("gail", {"entropy_weight": 0.05}, "GAIL has none"),
    ("gcl", {"gcl_form": "trajectory", "entropy_weight": 0.05}, "per-step form"),
    ("gcl", {"log_z": "importance", "entropy_weight": 0.05}, "normalised density q"),
    ("gcl", {"gcl_form": "trajectory", "grad_penalty": 10.0}, "gradient penalty works on transitions"),
])
def test_combinations_that_do_not_fit_are_refused(learner, options, message):
    with pytest.raises(ConfigError, match=message):
        config(learner, **options)


def test_algo_must_be_known_and_fit_the_actions():
    from irl.runs.config import check_algo_fits

    box, discrete = gym.spaces.Box(-1, 1, (2,)), gym.spaces.Discrete(3)
    for algo, space in (("ppo", box), ("ppo", discrete), ("sac", box)):
        check_algo_fits(algo, "env", space)
    with pytest.raises(ConfigError, match=r"algo must be one of \('ppo', 'sac'\), got 'td3'"):
        check_algo_fits("td3", "env", box)
    with pytest.raises(ConfigError, match=r"SAC needs Box actions; env has Discrete\(3\)"):
        check_algo_fits("sac", "env", discrete)
