"""Absorbing-state encoding and the AIRL / GAIL log q terms."""

import gymnasium as gym
import numpy as np
import torch

from irl.discriminator import absorbing_batch, encode_actions, to_disc_batch
from irl.learner import no_log_q, policy_log_q
from irl.types import Transitions


def _two_step_episode():
    obs = np.array([[0.0, 1.0], [0.5, 1.0]], np.float32)
    nxt = np.array([[0.5, 1.0], [1.5, 1.0]], np.float32)
    return Transitions(obs, np.array([[0.5], [1.0]], np.float32), nxt,
                       terminated=np.array([False, True]), truncated=np.array([False, False]))


def test_absorbing_encoding_redirects_terminal_steps_and_appends_self_loop():
    space = gym.spaces.Box(-1, 1, (1,), np.float32)
    b = to_disc_batch(_two_step_episode(), space, absorbing=True)
    assert len(b) == 3  # two steps + one absorbing self-transition
    np.testing.assert_array_equal(b.obs[:, -1].numpy(), [0, 0, 1])
    np.testing.assert_array_equal(b.next_obs[1].numpy(), [0, 0, 1])  # terminal step -> absorbing state
    np.testing.assert_array_equal(b.next_obs[0].numpy(), [0.5, 1.0, 0])
    np.testing.assert_array_equal(b.terminated.numpy(), [0, 0, 0])  # the episode goes on, absorbed
    np.testing.assert_array_equal(b.absorbing.numpy(), [False, False, True])
    single = absorbing_batch(2, 1, (1,), torch.float32)
    torch.testing.assert_close(single.obs, b.obs[2:])
    torch.testing.assert_close(single.next_obs, b.next_obs[2:])


def test_without_absorbing_terminal_flag_is_kept():
    b = to_disc_batch(_two_step_episode(), gym.spaces.Box(-1, 1, (1,), np.float32), absorbing=False)
    assert len(b) == 2 and b.obs.shape == (2, 2)
    np.testing.assert_array_equal(b.terminated.numpy(), [0, 1])


def test_discrete_actions_are_one_hot():
    np.testing.assert_array_equal(encode_actions(np.array([2, 0]), gym.spaces.Discrete(3)),
                                  [[0, 0, 1], [1, 0, 0]])


def test_log_q_terms():
    b = to_disc_batch(_two_step_episode(), gym.spaces.Box(-1, 1, (1,), np.float32), absorbing=True)
    calls = []

    def log_prob(obs, acts):
        calls.append(len(obs))
        return torch.full((len(obs),), -1.5)

    assert no_log_q(b, log_prob) is None and not calls  # GAIL never asks the policy
    np.testing.assert_array_equal(policy_log_q(b, log_prob).numpy(), [-1.5, -1.5, 0.0])  # 0 when absorbed
