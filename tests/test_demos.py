"""The demo format: round trip, other tools' names, and every validation error."""

import json
import warnings

import gymnasium as gym
import numpy as np
import pytest

from irl.data.demos import check_against_env, demos_from_arrays, load_demos, save_demos
from irl.errors import DemoError


def _arrays(demos):
    t = demos.transitions
    return {"obs": t.obs, "acts": t.acts, "next_obs": t.next_obs, "terminated": t.terminated,
            "truncated": t.truncated, "rews": t.rews, "metadata": np.array(json.dumps(demos.metadata))}


def test_round_trip(tmp_path, pendulum_demos):
    path = save_demos(tmp_path / "d.npz", pendulum_demos)
    back = load_demos(path)
    for name in ("obs", "acts", "next_obs", "terminated", "truncated", "rews"):
        np.testing.assert_array_equal(getattr(back.transitions, name), getattr(pendulum_demos.transitions, name))
    assert back.env_id == "Pendulum-v1" and back.n_episodes == 6
    assert back.random_return == -1230.0
    np.testing.assert_allclose(back.episode_returns, pendulum_demos.episode_returns)
    assert back.fingerprint() == pendulum_demos.fingerprint()


def test_refuses_to_overwrite(tmp_path, pendulum_demos):
    path = save_demos(tmp_path / "d.npz", pendulum_demos)
    with pytest.raises(DemoError, match="already exists"):
        save_demos(path, pendulum_demos)


def test_written_with_numpy_alone_and_d4rl_names(tmp_path, pendulum_demos):
    t = pendulum_demos.transitions
    path = tmp_path / "other.npz"
    np.savez(path, observations=t.obs.astype(np.float64), actions=t.acts, next_observations=t.next_obs,
             terminals=t.terminated.astype(np.uint8), timeouts=t.truncated, rewards=t.rews)
    back = load_demos(path)
    assert back.env_id is None and back.n_episodes == 6
    assert back.transitions.obs.dtype == np.float32


def _expect_error(tmp_path, arrays, match):
    path = tmp_path / "bad.npz"
    np.savez(path, **{k: v for k, v in arrays.items() if v is not None})
    with pytest.raises(DemoError, match=match):
        load_demos(path)


def test_missing_array(tmp_path, pendulum_demos):
    a = _arrays(pendulum_demos)
    del a["next_obs"]
    _expect_error(tmp_path, a, "missing array 'next_obs'")


def test_dones_only_is_explained(tmp_path, pendulum_demos):
    a = _arrays(pendulum_demos)
    a["dones"] = a.pop("terminated") | a.pop("truncated")
    _expect_error(tmp_path, a, "store terminated and truncated separately")


def test_nan_values(tmp_path, pendulum_demos):
    a = _arrays(pendulum_demos)
    a["obs"] = a["obs"].copy()
    a["obs"][7, 1] = np.nan
    _expect_error(tmp_path, a, r"obs has 1 non-finite values.*row 7")


def test_length_mismatch(tmp_path, pendulum_demos):
    a = _arrays(pendulum_demos)
    a["acts"] = a["acts"][:-3]
    _expect_error(tmp_path, a, r"acts has \d+ rows, expected \d+")


def test_no_complete_episode(tmp_path, pendulum_demos):
    a = _arrays(pendulum_demos)
    a["truncated"] = np.zeros_like(a["truncated"])
    _expect_error(tmp_path, a, "no complete episode")


def test_inconsistent_boundaries(tmp_path, pendulum_demos):
    a = _arrays(pendulum_demos)
    a["truncated"] = a["truncated"].copy()
    a["truncated"][199] = False  # the first episode's end is no longer marked
    _expect_error(tmp_path, a, r"next_obs\[199\] != obs\[200\]")


def test_trailing_partial_episode_is_dropped(tmp_path, pendulum_demos):
    a = _arrays(pendulum_demos)
    a = {k: (v if k == "metadata" else v[:250]) for k, v in a.items()}
    path = tmp_path / "cut.npz"
    np.savez(path, **a)
    with pytest.warns(UserWarning, match="dropping 50 trailing"):
        back = load_demos(path)
    assert len(back.transitions) == 200


def test_pickled_arrays_are_refused(tmp_path, pendulum_demos):
    a = _arrays(pendulum_demos)
    a["obs"] = np.array([object()] * len(a["obs"]), dtype=object)
    _expect_error(tmp_path, a, "pickle")


def test_truncated_file(tmp_path, pendulum_demos):
    path = save_demos(tmp_path / "d.npz", pendulum_demos)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DemoError, match="truncated or corrupted"):
        load_demos(path)


def test_not_a_file(tmp_path):
    with pytest.raises(DemoError, match="does not exist"):
        load_demos(tmp_path / "none.npz")


def test_future_version(tmp_path, pendulum_demos):
    a = _arrays(pendulum_demos)
    a["metadata"] = np.array(json.dumps({"version": 99}))
    _expect_error(tmp_path, a, "version 99 is newer")


def test_against_env_obs_shape(pendulum_demos):
    env = gym.make("HalfCheetah-v5")
    with pytest.raises(DemoError, match="recorded on 'Pendulum-v1'"):
        check_against_env(pendulum_demos, env.observation_space, env.action_space, "HalfCheetah-v5")
    anon = demos_from_arrays({k: v for k, v in _arrays(pendulum_demos).items() if k != "metadata"})
    with pytest.raises(DemoError, match=r"obs shape per step is \(3,\), the env's is \(17,\)"):
        check_against_env(anon, env.observation_space, env.action_space, "HalfCheetah-v5")


def test_against_env_actions(pendulum_demos):
    env = gym.make("Pendulum-v1")
    a = {k: v for k, v in _arrays(pendulum_demos).items() if k != "metadata"}
    a["acts"] = a["acts"] * 3  # outside [-2, 2]: clipped with a warning
    with pytest.warns(UserWarning, match="clipped"):
        fixed = check_against_env(demos_from_arrays(a), env.observation_space, env.action_space, "Pendulum-v1")
    assert fixed.transitions.acts.max() <= 2.0
    a["acts"] = np.zeros((len(a["obs"]), 2), np.float32)
    with pytest.raises(DemoError, match=r"action shape per step is \(2,\), the env's is \(1,\)"):
        check_against_env(demos_from_arrays(a), env.observation_space, env.action_space, "Pendulum-v1")


def test_discrete_actions_out_of_range(pendulum_demos):
    space = gym.spaces.Discrete(2)
    a = {k: v for k, v in _arrays(pendulum_demos).items() if k != "metadata"}
    a["acts"] = np.full(len(a["obs"]), 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        demos = demos_from_arrays(a)
    obs_space = gym.spaces.Box(-8, 8, (3,))
    with pytest.raises(DemoError, match=r"actions must lie in \[0, 2\)"):
        check_against_env(demos, obs_space, space, "X")


def _with_returns(returns, random_return):
    """Demos of len(returns) one-step episodes whose rewards are ``returns``."""
    n = len(returns)
    obs = np.zeros((n, 1), np.float32)
    return demos_from_arrays({"obs": obs, "acts": obs, "next_obs": obs, "terminated": np.ones(n, bool),
                              "truncated": np.zeros(n, bool), "rews": np.asarray(returns, np.float32),
                              "metadata": np.array(json.dumps({"random_return": random_return}))})


def test_weak_episodes_are_named():
    # HalfCheetah's shipped returns: the stuck episodes (564, 2394, 2624) earn less than
    # half of the best one's 6962-point margin over random.
    demos = _with_returns([2624, 3605, 6686, 6583, 4394, 6293, 564, 6528, 6526, 2394], -276.5)
    assert demos.weak_episodes().tolist() == [0, 6, 9]
    with pytest.warns(UserWarning, match=r"3 of 10 demo episodes .*\(2624.0, 564.0, 2394.0 vs best 6686.0"):
        demos.warn_if_weak("hc.npz")


def test_steady_or_unscored_demos_raise_no_warning():
    steady = _with_returns([899, 915, 941, 833, 986], -15.6)  # the ant's: all within 20% of the best
    negative = _with_returns([-127, -1, -235, -233], -1180.7)  # Pendulum's: returns below 0, random far lower
    unscored = _with_returns([100, 1, 2], None)
    for demos in (steady, negative, unscored):
        assert demos.weak_episodes().size == 0
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            demos.warn_if_weak("d.npz")
