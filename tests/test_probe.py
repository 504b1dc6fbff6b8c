"""The judge's probe: its score's closed forms, learned returns per episode, and a probe run
on CartPole with the true reward (u = v exactly) and its negation (score 0)."""

import numpy as np
import pytest

from irl.data.types import Transitions
from irl.rewards.probe import (
    SCORE_WIDTH,
    episode_learned_returns,
    probe_margin,
    probe_score,
    progress_between,
    verdict,
)


def test_margin_is_true_progress_less_what_the_true_return_does_not_back():
    assert probe_margin(0.4, 0.4) == pytest.approx(0.4)  # the reward and the task agree
    assert probe_margin(0.2, 0.5) == pytest.approx(0.5)  # the reward undersells the agent: no penalty
    assert probe_margin(0.7, 0.4) == pytest.approx(0.1)  # 0.4 - (0.7 - 0.4)
    assert probe_margin(float("nan"), 0.8) == -np.inf  # the reward does not prefer the demos to random play


def test_score_is_the_logistic_of_the_margin():
    for u, v in [(0.4, 0.4), (0.7, 0.4), (0.0, -0.3), (2.0, 0.1), (0.1, 3.0)]:
        expected = 1.0 / (1.0 + np.exp(-probe_margin(u, v) / SCORE_WIDTH))
        assert probe_score(u, v) == pytest.approx(expected, abs=1e-12)
    assert probe_score(0.0, 0.0) == 0.5 and probe_score(float("nan"), 0.9) == 0.0
    assert probe_score(0.3, 0.2) < probe_score(0.2, 0.2) < probe_score(0.2, 0.3)  # oversold < agreed < more progress


def test_progress_is_zero_at_random_one_at_the_demos_and_undefined_without_a_gap():
    assert progress_between(-5.0, -5.0, 5.0) == 0.0 and progress_between(5.0, -5.0, 5.0) == 1.0
    assert progress_between(0.0, -5.0, 5.0) == 0.5
    assert np.isnan(progress_between(1.0, 2.0, 2.0)) and np.isnan(progress_between(1.0, 3.0, 2.0))


def test_verdicts_follow_the_score():
    assert verdict(0.9).startswith("likely teaches") and verdict(0.45).startswith("doubtful")
    assert verdict(0.0).startswith("unlikely to teach")


def test_learned_returns_sum_each_episode_and_pass_its_termination():
    obs = np.arange(5, dtype=np.float32).reshape(5, 1)
    terminated = np.array([False, True, False, False, False])
    truncated = np.array([False, False, False, False, True])
    t = Transitions(obs, np.zeros((5, 1), np.float32), obs + 1, terminated, truncated)
    seen = []

    def reward(o, a, n, done):
        seen.append(done.copy())
        return o[:, 0] + 10.0 * done

    np.testing.assert_allclose(episode_learned_returns(reward, t), [0 + 1 + 10, 2 + 3 + 4])
    np.testing.assert_array_equal(seen[0], [0, 1, 0, 0, 0])  # a time limit is not a termination


def _cartpole_probe(reward):
    from irl.data.demos import load_demos
    from irl.rewards.probe import probe_reward
    from irl.rl.sb3_adapter import uniform_random_episodes
    from tests.conftest import REPO

    demos = load_demos(REPO / "demos" / "cartpole-v1.npz").transitions
    rand = uniform_random_episodes("CartPole-v1", episodes=5, seed=0)
    expert = float(np.mean([demos.rews[s].sum() for s in demos.episode_slices()]))
    random = float(np.mean([rand.rews[s].sum() for s in rand.episode_slices()]))
    return probe_reward(reward, "CartPole-v1", demos=demos, random_episodes=rand, steps=2048, true_expert=expert,
                        true_random=random, episodes=3, seed=0)


def test_a_probe_on_the_true_reward_places_the_agent_alike_on_both_scales():
    def alive(obs, acts, next_obs, done):  # CartPole's own reward: 1 per step
        return np.ones(len(obs), np.float32)

    result = _cartpole_probe(alive)
    assert result.learned_returns == pytest.approx(result.true_returns)
    assert result.learned_progress == pytest.approx(result.true_progress)
    assert result.score == pytest.approx(probe_score(result.true_progress, result.true_progress))
    assert result.true_progress > 0.0  # 2048 steps of PPO on CartPole already beat random play
    assert result.to_json()["steps"] == 2048


def test_a_reward_that_pays_random_play_more_than_the_demos_scores_zero():
    def falling(obs, acts, next_obs, done):  # -1 per step: the shortest episode is the best
        return -np.ones(len(obs), np.float32)

    result = _cartpole_probe(falling)
    assert result.learned_demos < result.learned_random
    assert result.score == 0.0 and result.verdict.startswith("unlikely to teach")
    assert result.to_json()["learned_progress"] is None


def test_without_the_rewards_card_the_probe_places_the_expert_by_the_demos(tmp_path):
    """A reward judged on another task than its own (or with no demo card in its manifest)
    is normalised by the demos' returns and, without a card figure, the judge's random rollouts."""
    from irl.api import _probe
    from irl.data.demos import load_demos
    from irl.rewards.artifact import export_reward, load_reward
    from irl.rl.sb3_adapter import uniform_random_episodes
    from tests.conftest import REPO
    from tests.test_reward_artifact import fake_run

    run, _, _ = fake_run(tmp_path, "gail", "CartPole-v1")
    reward = load_reward(export_reward(run, tmp_path / "reward"))
    reward.manifest.pop("expert_return", None)
    demos = load_demos(REPO / "demos" / "cartpole-v1.npz")
    rand = uniform_random_episodes("CartPole-v1", episodes=3, seed=0)
    result = _probe(reward, "CartPole-v1", demos, rand, steps=64, seed=0, episodes=1, progress=False)
    assert result["true_expert"] == pytest.approx(demos.expert_return)
    expected_random = demos.random_return
    if expected_random is None:
        expected_random = float(np.mean([rand.rews[s].sum() for s in rand.episode_slices()]))
    assert result["true_random"] == pytest.approx(expected_random)
