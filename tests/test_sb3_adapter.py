"""The SB3 adapter: what the recorder sees, and that learned rewards reach PPO's buffer."""

import json

import numpy as np
import pytest
import torch

from irl.rl.presets import IRL_DEFAULTS, RL_KEYS
from irl.rl.sb3_adapter import Generator, TransitionRecorder, make_vec_env
from irl.runs.recipes import packaged_recipes


def _recorder():
    rec = TransitionRecorder(make_vec_env("LineTest-v0", 1, seed=0))
    rec.reset()
    return rec


def test_recorder_keeps_terminal_observation_and_flags():
    rec = _recorder()
    for _ in range(4):
        _, rew, done, _ = rec.step(np.array([[1.0]], np.float32))
        assert rew[0] == 0.0  # SB3 never sees the true reward
    t, episodes = rec.drain()
    # x: ~0 -> 0.4 -> 0.8 -> 1.2 (> 1: terminated) -> reset, one more step
    np.testing.assert_array_equal(t.terminated, [False, False, True, False])
    assert abs(t.next_obs[2, 0] - t.obs[2, 0] - 0.4) < 1e-6  # the real last state, not the reset one
    assert abs(t.obs[3, 0]) < 0.11  # the step after reset starts near 0
    assert len(episodes) == 1 and abs(episodes[0] - t.rews[:3].sum()) < 1e-5


def test_recorder_marks_time_limit_as_truncated():
    rec = _recorder()
    for _ in range(10):
        rec.step(np.array([[0.0]], np.float32))
    t, _ = rec.drain()
    assert t.truncated[-1] and not t.terminated.any() and t.truncated.sum() == 1


def test_learned_rewards_land_in_rollout_buffer():
    hyper = {"n_envs": 2, "normalize_obs": True, "n_steps": 4, "batch_size": 8, "n_epochs": 1}
    gen = Generator("LineTest-v0", hyper=hyper, seed=0)
    seen = []

    def reward_fn(t, episodes):
        seen.append(t)
        return np.arange(len(t), dtype=np.float32)

    gen.learn(8, reward_fn)
    assert len(seen) == 1 and len(seen[0]) == 8
    rewards = gen.agent.rollout_buffer.rewards  # (n_steps, n_envs), time-major like the recorder
    np.testing.assert_allclose(rewards, np.arange(8).reshape(4, 2))
    lp = gen.log_prob(torch.as_tensor(seen[0].obs), torch.as_tensor(seen[0].acts))
    assert lp.shape == (8,) and torch.isfinite(lp).all()


@pytest.mark.parametrize("algo", ["ppo", "sac"])
def test_saved_policies_load_from_their_pickle_free_copy(algo, tmp_path, monkeypatch):
    from stable_baselines3 import PPO, SAC

    from irl.rl.policy_io import Policy, safe_policy_paths, save_agent

    cls = PPO if algo == "ppo" else SAC
    kwargs = {"use_sde": True, "n_steps": 64} if algo == "ppo" else {"learning_starts": 10}
    model = cls("MlpPolicy", "Pendulum-v1", seed=0, **kwargs)
    model.learn(128)
    path = tmp_path / f"{algo}.zip"
    save_agent(model, model.get_env(), path)
    assert all(p.is_file() for p in safe_policy_paths(path))

    def no_unpickling(*args, **kw):
        raise AssertionError("SB3's load (which unpickles) was called")

    monkeypatch.setattr(cls, "load", no_unpickling)
    policy = Policy(path)
    assert not policy.unpickled
    obs = np.random.default_rng(0).normal(size=(6, 3)).astype(np.float32)
    expected, _ = model.predict(obs, deterministic=True)
    np.testing.assert_allclose(policy.act(obs, deterministic=True), expected, atol=1e-6)
    assert Policy(safe_policy_paths(path)[0]).act(obs, deterministic=True).shape == (6, 1)  # the spec alone


def test_stochastic_evaluation_repeats_exactly(tmp_path):
    from stable_baselines3 import PPO

    from irl.rl.policy_io import Policy, save_agent
    from irl.runs.evaluation import evaluate_policy

    model = PPO("MlpPolicy", "Pendulum-v1", seed=0, n_steps=64)
    save_agent(model, model.get_env(), tmp_path / "p.zip")
    policy = Policy(tmp_path / "p.zip")
    first, _ = evaluate_policy(policy, "Pendulum-v1", episodes=2, seed=7)
    torch.rand(3)  # whatever the caller's RNG did in between
    second, _ = evaluate_policy(policy, "Pendulum-v1", episodes=2, seed=7)
    np.testing.assert_array_equal(first, second)


def test_unknown_algorithm_settings_are_a_config_error():
    from irl.errors import ConfigError
    from irl.rl.sb3_adapter import build_agent

    venv = make_vec_env("Pendulum-v1", 1, 0)
    with pytest.raises(ConfigError, match="PPO settings ent_coeff, seed are not accepted here"):
        build_agent("ppo", venv, hyper={"n_envs": 1, "normalize_obs": False, "ent_coeff": 0.1, "seed": 3}, seed=0)


INNER_LOOPS = sorted({(algo, json.dumps({**IRL_DEFAULTS[algo], **r.rl(learner, algo)}, sort_keys=True))
                      for r in packaged_recipes() for learner in ("gail", "airl", "gcl") for algo in ("ppo", "sac")})


@pytest.mark.parametrize("algo, hyper", INNER_LOOPS)
def test_every_shipped_recipe_builds_an_agent(algo, hyper):
    """A bad value or network spec in a recipe's inner loop fails here, not an hour into a benchmark."""
    from irl.rl.sb3_adapter import build_agent

    agent = build_agent(algo, make_vec_env("Pendulum-v1", 1, 0), hyper=json.loads(hyper), seed=0)
    assert agent.policy is not None


@pytest.mark.parametrize("algo", ["ppo", "sac"])
def test_the_settings_a_recipe_may_hold_are_sb3s(algo):
    """Every key of RL_KEYS but irl's own is an argument of SB3's constructor, so recipes are
    checked on load against what SB3 takes, without importing SB3 there."""
    import inspect

    from irl.rl.sb3_adapter import ALGORITHMS, IRL_KEYS

    accepted = set(inspect.signature(ALGORITHMS[algo]).parameters)
    assert set(RL_KEYS[algo]) - set(IRL_KEYS) <= accepted
    assert {"learning_rate", "gamma", "policy_kwargs"} <= set(RL_KEYS[algo])


def test_linear_schedules_decay_to_zero_and_bad_ones_are_config_errors():
    from irl.errors import ConfigError
    from irl.rl.sb3_adapter import build_agent, sb3_kwargs

    kwargs = sb3_kwargs({"n_envs": 1, "normalize_obs": True, "learning_rate": "lin_3e-4", "clip_range": "lin_0.2"})
    assert kwargs["learning_rate"](1.0) == pytest.approx(3e-4) and kwargs["learning_rate"](0.25) == pytest.approx(7.5e-5)
    assert kwargs["clip_range"](0.5) == pytest.approx(0.1) and kwargs["clip_range"](0.0) == 0.0
    agent = build_agent("ppo", make_vec_env("Pendulum-v1", 1, 0), seed=0,
                        hyper={"n_envs": 1, "normalize_obs": False, "learning_rate": "lin_1e-3"})
    assert agent.lr_schedule(0.5) == pytest.approx(5e-4)  # SB3 took it as a schedule, not a constant
    for bad in ("lin_", "lin_x", "lin_-1e-3", "exp_3e-4", "lin_nan"):
        with pytest.raises(ConfigError, match="learning_rate must be a positive number or 'lin_"):
            sb3_kwargs({"learning_rate": bad})


def test_an_expert_continued_keeps_its_observation_statistics(tmp_path):
    """train_expert.py --continue-from on a preset that normalises observations: the running
    statistics go on from the saved ones (a fresh start would forget the first run's states)."""
    from irl.errors import ConfigError
    from irl.rl.policy_io import obs_norm_path, save_agent
    from irl.rl.sb3_adapter import train_on_true_reward

    hyper = {**IRL_DEFAULTS["ppo"], "normalize_obs": True, "n_envs": 1, "n_steps": 64, "batch_size": 64, "n_epochs": 1}
    agent, venv = train_on_true_reward("Pendulum-v1", algo="ppo", hyper=hyper, seed=0, total_steps=64)
    path = tmp_path / "ppo.zip"
    save_agent(agent, venv, path)
    first = (venv.obs_rms.mean.copy(), venv.obs_rms.count)
    _, more = train_on_true_reward("Pendulum-v1", algo="ppo", hyper=hyper, seed=1, total_steps=64, continue_from=path)
    assert more.obs_rms.count == pytest.approx(first[1] + 65)  # the reset and 64 steps more, on the saved count
    assert np.abs(more.obs_rms.mean - first[0]).max() < np.abs(first[0]).max()  # moved a little, not restarted
    obs_norm_path(path).unlink()
    with pytest.raises(ConfigError, match="ppo.obs_norm.npz is missing"):
        train_on_true_reward("Pendulum-v1", algo="ppo", hyper=hyper, seed=1, total_steps=64, continue_from=path)
