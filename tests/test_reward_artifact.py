"""Reward artifacts: export, load, ONNX without torch, and every way a file can be wrong."""

import json
import subprocess
import sys

import gymnasium as gym
import numpy as np
import pytest
import torch

from irl.energy.networks import EnergySpec, build_energy
from irl.errors import RewardError, RunDirError
from irl.rewards import artifact as artifact_module
from irl.rewards.artifact import export_reward, load_reward
from irl.runs import run_dir
from irl.runs.config import TrainConfig


def fake_run(tmp_path, learner: str, env_id: str, *, absorbing: bool = True):
    """A run folder as `irl train` leaves it, with a random energy (no training)."""
    env = gym.make(env_id)
    discrete = isinstance(env.action_space, gym.spaces.Discrete)
    act_dim = int(env.action_space.n) if discrete else int(np.prod(env.action_space.shape))
    spec = EnergySpec(kind="shaped" if learner == "airl" else "free", obs_dim=int(np.prod(env.observation_space.shape)),
                      act_dim=act_dim, state_only=learner == "airl", absorbing=absorbing, hidden=(16,), gamma=0.9)
    torch.manual_seed(0)
    energy = build_energy(spec)
    energy.normalize.mean.uniform_(-1, 1)  # non-trivial statistics travel with the weights
    run = tmp_path / f"{learner}-{env_id}"
    run.mkdir()
    run_dir.save_energy(run, energy, spec.to_json(), learner=learner, policy_reward="logit")
    config = TrainConfig(learner=learner, env_id=env_id, demos="demos.npz", total_steps=1000)
    (run / "config.json").write_text(config.to_json())
    (run / "scores.json").write_text(json.dumps({"expert": -100.0, "random": -1000.0, "demo_fingerprint": "abc",
                                                 "demo_episodes": 10}))
    return run, energy, env


def batch(env, n=7, seed=0):
    env.observation_space.seed(seed)
    env.action_space.seed(seed)
    obs = np.stack([env.observation_space.sample() for _ in range(n)]).astype(np.float32)
    nxt = np.stack([env.observation_space.sample() for _ in range(n)]).astype(np.float32)
    acts = np.stack([env.action_space.sample() for _ in range(n)])
    done = (np.arange(n) % 3 == 0).astype(np.float32)
    return obs, acts, nxt, done


@pytest.mark.parametrize("learner, env_id", [("airl", "Pendulum-v1"), ("gail", "Pendulum-v1"), ("gcl", "CartPole-v1")])
def test_round_trip_matches_the_energy_less_its_absorbing_value(tmp_path, learner, env_id):
    run, energy, env = fake_run(tmp_path, learner, env_id)
    artifact = export_reward(run, tmp_path / "reward")
    reward = load_reward(artifact)
    obs, acts, nxt, done = batch(env)
    got = reward(obs, acts, nxt, done)

    zero = torch.zeros(len(obs), 1)
    o, n = torch.cat([torch.as_tensor(obs), zero], 1), torch.cat([torch.as_tensor(nxt), zero], 1)
    a = (torch.nn.functional.one_hot(torch.as_tensor(acts), 2).float() if env_id == "CartPole-v1"
         else torch.as_tensor(acts, dtype=torch.float32))
    absorbing = torch.zeros(1, o.shape[1])
    absorbing[0, -1] = 1
    with torch.no_grad():
        if learner == "airl":
            step, r_abs = energy.g_value(o, a), energy.g_value(absorbing, torch.zeros(1, a.shape[1]))
        else:
            step = -energy(o, a, n, torch.zeros(len(o)))
            r_abs = -energy(absorbing, torch.zeros(1, a.shape[1]), absorbing, torch.zeros(1))
    assert abs(float(r_abs)) > 1e-3  # else the offset would go unnoticed
    np.testing.assert_allclose(got, (step - r_abs).numpy(), rtol=1e-5, atol=1e-5)  # the offset form
    torch_out = reward(*(torch.as_tensor(x) for x in (obs, acts, nxt, done)))
    assert isinstance(torch_out, torch.Tensor) and isinstance(got, np.ndarray)
    np.testing.assert_allclose(torch_out.numpy(), got, rtol=1e-6)

    # a version 1 artifact (no absorbing_form in its manifest) keeps the tail form it was written with
    manifest = json.loads((artifact / "manifest.json").read_text())
    manifest["version"] = 1
    del manifest["absorbing_form"], manifest["absorbing_reward"], manifest["end_value"], manifest["end_reward"]
    (artifact / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(RewardError, match="does not give the rewards"):  # its graph is the offset form
        load_reward(artifact)
    old = load_reward(artifact, engine="torch")(obs, acts, nxt, done)
    np.testing.assert_allclose(old, (step + torch.as_tensor(done) * 0.9 / 0.1 * r_abs).numpy(), rtol=1e-5, atol=1e-4)


def test_the_offset_and_tail_forms_differ_by_one_constant_on_every_episode(tmp_path):
    """In the absorbing MDP, sum_t<T γ^t (r_t - r_abs) and sum_t<T γ^t r_t + γ^(T-1)·γ/(1-γ)·r_abs
    differ by r_abs/(1-γ) whatever the episode's length T: the same task."""
    run, _, env = fake_run(tmp_path, "gail", "Pendulum-v1")
    artifact = export_reward(run, tmp_path / "reward")
    offset = load_reward(artifact)
    _rewrite_manifest(artifact, absorbing_form="tail")
    tail, gamma = load_reward(artifact, engine="torch"), 0.9  # the graph keeps the offset form it was exported with
    differences = []
    for length in (1, 4, 30):
        obs, acts, nxt, _ = batch(env, n=length, seed=length)
        done = np.zeros(length, np.float32)
        done[-1] = 1
        discount = gamma ** np.arange(length)
        differences.append(discount @ tail(obs, acts, nxt, done) - discount @ offset(obs, acts, nxt, done))
    np.testing.assert_allclose(differences, offset.module.absorbing_reward / (1 - gamma), rtol=1e-4)


def random_policy_steps(env, episodes=20, seed=0):
    """The transitions export_reward(end_value='floor') scores, drawn independently."""
    rows = {k: [] for k in ("obs", "acts", "next_obs")}
    env.action_space.seed(seed)
    for i in range(episodes):
        obs, _ = env.reset(seed=seed + i)
        done = False
        while not done:
            act = env.action_space.sample()
            nxt, _, terminated, truncated, _ = env.step(act)
            for k, v in zip(rows, (obs, act, nxt)):
                rows[k].append(v)
            obs, done = nxt, terminated or truncated
    box = isinstance(env.action_space, gym.spaces.Box)
    return (np.asarray(rows["obs"], np.float32), np.asarray(rows["acts"], np.float32 if box else np.int64),
            np.asarray(rows["next_obs"], np.float32))


@pytest.mark.parametrize("learner, env_id", [("airl", "Pendulum-v1"), ("gcl", "CartPole-v1")])
def test_floor_end_value_makes_no_random_step_worse_than_ending(tmp_path, learner, env_id):
    """end_value='floor': ending is worth min(r_abs, min r over a random policy's steps), so
    every such step scores >= 0, the lowest at 0 unless r_abs is lower; a constant shift of the
    learned form on every step, in torch and in ONNX alike."""
    import onnxruntime as ort

    run, _, env = fake_run(tmp_path, learner, env_id)
    learned = load_reward(export_reward(run, tmp_path / "learned"))
    floor_path = export_reward(run, tmp_path / "floor", end_value="floor")
    floor, manifest = load_reward(floor_path), json.loads((floor_path / "manifest.json").read_text())
    obs, acts, nxt = random_policy_steps(env)
    done = np.zeros(len(obs), np.float32)
    got, before = floor(obs, acts, nxt, done), learned(obs, acts, nxt, done)
    r_abs = manifest["absorbing_reward"]
    assert manifest["end_value"] == "floor" and manifest["end_reward"] <= r_abs
    np.testing.assert_allclose(manifest["end_reward"], min(r_abs, float((before + r_abs).min())), rtol=1e-5, atol=1e-6)
    assert got.min() >= -1e-5
    if manifest["end_reward"] < r_abs:  # the floor bound: the worst random step is worth exactly ending
        np.testing.assert_allclose(got.min(), 0.0, atol=1e-5)
    np.testing.assert_allclose(got - before, r_abs - manifest["end_reward"], rtol=1e-4, atol=1e-5)
    session = ort.InferenceSession(str(floor_path / "reward.onnx"))
    onnx = session.run(None, {"obs": obs, "acts": acts, "next_obs": nxt, "done": done})[0]
    np.testing.assert_allclose(onnx, got, rtol=1e-5, atol=1e-5)


def test_end_value_must_be_known_and_end_reward_finite(tmp_path):
    run, _, _ = fake_run(tmp_path, "gail", "Pendulum-v1")
    with pytest.raises(RewardError, match="end_value must be one of"):
        export_reward(run, tmp_path / "r", end_value="zero")
    out = export_reward(run, tmp_path / "r", end_value="floor")
    for bad in ("NaN", float("inf"), True):
        _rewrite_manifest(out, end_reward=bad)
        with pytest.raises(RewardError, match="end_reward must be a finite number"):
            load_reward(out)


@pytest.mark.parametrize("env_id", ["Pendulum-v1", "CartPole-v1"])
def test_onnx_alone_gives_the_same_numbers_without_torch(tmp_path, env_id):
    run, _, env = fake_run(tmp_path, "airl" if env_id == "Pendulum-v1" else "gail", env_id)
    out = export_reward(run, tmp_path / "reward")
    obs, acts, nxt, done = batch(env)
    np.savez(tmp_path / "inputs.npz", obs=obs, acts=acts, next_obs=nxt, done=done)
    script = (
        "import sys; sys.modules['torch'] = None\n"  # any import of torch would now fail
        "import numpy as np, onnxruntime as ort\n"
        f"x = np.load({str(tmp_path / 'inputs.npz')!r})\n"
        f"s = ort.InferenceSession({str(out / 'reward.onnx')!r})\n"
        "acts = x['acts'].astype(np.int64 if x['acts'].ndim == 1 else np.float32)\n"
        "r = s.run(None, {'obs': x['obs'], 'acts': acts, 'next_obs': x['next_obs'], 'done': x['done']})[0]\n"
        f"np.save({str(tmp_path / 'onnx.npy')!r}, r)\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    np.testing.assert_allclose(np.load(tmp_path / "onnx.npy"), load_reward(out, engine="torch")(obs, acts, nxt, done),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("learner, env_id", [("airl", "Pendulum-v1"), ("gcl", "CartPole-v1")])
def test_onnx_engine_gives_the_torch_numbers_for_numpy_and_torch_inputs(tmp_path, learner, env_id):
    run, _, env = fake_run(tmp_path, learner, env_id)
    out = export_reward(run, tmp_path / "reward", end_value="floor")
    fast, reference = load_reward(out), load_reward(out, engine="torch")
    assert (fast.engine, reference.engine) == ("onnx", "torch")
    obs, acts, nxt, done = batch(env, n=9)
    expected = reference(obs, acts, nxt, done)
    np.testing.assert_allclose(fast(obs, acts, nxt, done), expected, rtol=1e-5, atol=1e-5)
    for i in range(len(obs)):  # the batch of one a per-step wrapper sends
        np.testing.assert_allclose(fast(obs[i:i + 1], acts[i:i + 1], nxt[i:i + 1], done[i:i + 1]), expected[i:i + 1],
                                   rtol=1e-5, atol=1e-5)
    as_torch = fast(*(torch.as_tensor(x) for x in (obs, acts, nxt, done)))
    assert isinstance(as_torch, torch.Tensor) and as_torch.dtype == torch.float32
    np.testing.assert_allclose(as_torch.numpy(), expected, rtol=1e-5, atol=1e-5)


def test_onnx_graph_that_disagrees_with_the_weights_is_refused(tmp_path):
    from safetensors.torch import load_file, save_file

    from irl.rewards.artifact import _sha256

    run, _, _ = fake_run(tmp_path, "airl", "Pendulum-v1")
    out = export_reward(run, tmp_path / "reward")
    weights = load_file(str(out / "reward.safetensors"))
    name = next(k for k in weights if k.startswith("g.") and k.endswith("weight"))
    weights[name] = weights[name] * 1.5  # new weights, old graph, hashes made to match
    save_file(weights, str(out / "reward.safetensors"))
    manifest = json.loads((out / "manifest.json").read_text())
    _rewrite_manifest(out, sha256={**manifest["sha256"], "reward.safetensors": _sha256(out / "reward.safetensors")})
    with pytest.raises(RewardError, match="does not give the rewards of"):
        load_reward(out)
    assert load_reward(out, engine="torch").engine == "torch"  # the weights alone still load


def test_engine_choices(tmp_path):
    run, _, env = fake_run(tmp_path, "gail", "Pendulum-v1")
    out = export_reward(run, tmp_path / "reward")
    with pytest.raises(RewardError, match="engine must be one of"):
        load_reward(out, engine="tensorrt")
    with_graph = load_reward(out)
    (out / "reward.onnx").unlink()
    without = load_reward(out)  # auto: the graph is built from the weights, in memory
    assert without.engine == "onnx" and not (out / "reward.onnx").exists()
    obs, acts, next_obs, done = batch(env)
    np.testing.assert_allclose(without(obs, acts, next_obs, done), with_graph(obs, acts, next_obs, done), rtol=1e-5)
    with pytest.raises(RewardError, match="needs .*reward.onnx, which is missing"):
        load_reward(out, engine="onnx")  # 'onnx' asks for the artifact's own graph


def test_a_graph_that_cannot_be_built_falls_back_to_torch_with_one_line(tmp_path, monkeypatch):
    run, _, _ = fake_run(tmp_path, "gail", "Pendulum-v1")
    out = export_reward(run, tmp_path / "reward")
    (out / "reward.onnx").unlink()

    def broken(*args, **kwargs):
        raise RuntimeError("exporter unavailable")

    monkeypatch.setattr(artifact_module, "_export_onnx", broken)
    with pytest.warns(UserWarning, match=r"cannot load the graph built from the weights .*reward.onnx is missing"
                                         r".*exporter unavailable.*runs under torch") as caught:
        assert load_reward(out).engine == "torch"
    assert len(caught) == 1 and "\n" not in str(caught[0].message)


def test_manifest_describes_the_reward(tmp_path):
    run, energy, _ = fake_run(tmp_path, "airl", "Pendulum-v1")
    manifest = json.loads((export_reward(run, tmp_path / "r") / "manifest.json").read_text())
    assert manifest["reward"] == "g(s)" and manifest["state_only"] and manifest["learner"] == "airl"
    assert manifest["env_id"] == "Pendulum-v1" and manifest["gamma"] == 0.9
    assert manifest["observation_space"]["shape"] == [3] and manifest["demo_fingerprint"] == "abc"
    np.testing.assert_allclose(manifest["obs_normalization"]["mean"], energy.normalize.mean.numpy(), rtol=1e-6)


def test_export_refuses_to_replace_or_to_read_a_non_run(tmp_path):
    run, _, _ = fake_run(tmp_path, "gail", "Pendulum-v1")
    out = export_reward(run, tmp_path / "r")
    with pytest.raises(RewardError, match="already holds a reward artifact; pass --overwrite"):
        export_reward(run, out)
    export_reward(run, out, overwrite=True)  # an artifact may be replaced on request
    (tmp_path / "mine").mkdir()
    export_reward(run, tmp_path / "mine")  # an empty folder is free
    (tmp_path / "thesis").mkdir()
    (tmp_path / "thesis" / "thesis.tex").write_text("years of work")
    with pytest.raises(RewardError, match=r"holds files irl did not write \(thesis.tex\)"):
        export_reward(run, tmp_path / "thesis", overwrite=True)
    with pytest.raises(RunDirError, match="missing energy.safetensors"):
        export_reward(tmp_path / "thesis", tmp_path / "r2")


def test_overwrite_never_deletes_a_file_put_beside_an_artifact(tmp_path):
    run, _, _ = fake_run(tmp_path, "gail", "Pendulum-v1")
    out = export_reward(run, tmp_path / "r")
    (out / "notes.txt").write_text("mine")
    with pytest.raises(RewardError, match=r"holds files irl did not write \(notes.txt\)"):
        export_reward(run, out, overwrite=True)
    assert (out / "notes.txt").read_text() == "mine" and (out / "manifest.json").is_file()


@pytest.fixture
def artifact(tmp_path):
    run, _, _ = fake_run(tmp_path, "airl", "Pendulum-v1")
    return export_reward(run, tmp_path / "reward")


def _rewrite_manifest(path, **changes):
    """Edit manifest fields and rehash them, so that the checks behind the manifest's hash are reached."""
    from irl.rewards.artifact import _manifest_sha256

    manifest = json.loads((path / "manifest.json").read_text())
    manifest.update(changes)
    manifest["manifest_sha256"] = _manifest_sha256(manifest)
    (path / "manifest.json").write_text(json.dumps(manifest))


def test_missing_artifact(tmp_path):
    with pytest.raises(RewardError, match="no reward artifact"):
        load_reward(tmp_path / "nothing")


def test_manifest_from_the_future(artifact):
    _rewrite_manifest(artifact, version=99)
    with pytest.raises(RewardError, match="newer irl"):
        load_reward(artifact)


def test_tampered_weights(artifact):
    data = bytearray((artifact / "reward.safetensors").read_bytes())
    data[-5] ^= 0xFF
    (artifact / "reward.safetensors").write_bytes(bytes(data))
    with pytest.raises(RewardError, match="does not match the sha256"):
        load_reward(artifact)


def test_weight_shapes_that_disagree_with_the_manifest(artifact):
    manifest = json.loads((artifact / "manifest.json").read_text())
    _rewrite_manifest(artifact, energy={**manifest["energy"], "hidden": [8]})
    with pytest.raises(RewardError, match=r"has shape \(16, 4\), the manifest's energy expects \(8, 4\)"):
        load_reward(artifact)


def test_truncated_weights_with_a_matching_hash(artifact):
    import hashlib

    path = artifact / "reward.safetensors"
    path.write_bytes(path.read_bytes()[:40])
    manifest = json.loads((artifact / "manifest.json").read_text())
    _rewrite_manifest(artifact, sha256={**manifest["sha256"], "reward.safetensors": hashlib.sha256(path.read_bytes()).hexdigest()})
    with pytest.raises(RewardError, match="not a readable safetensors file"):
        load_reward(artifact)


def test_spaces_and_batches_that_do_not_fit(artifact):
    reward = load_reward(artifact)
    cart = gym.make("CartPole-v1")
    with pytest.raises(RewardError, match="observation space"):
        reward.check_spaces(cart.observation_space, cart.action_space, "CartPole-v1")
    obs = np.zeros((4, 3), np.float32)
    with pytest.raises(RewardError, match=r"acts must have shape \(B, 1\) with B = 4"):
        reward(obs, np.zeros((4, 2), np.float32), obs, np.zeros(4, np.float32))
    with pytest.raises(RewardError, match="NaN"):
        reward(obs + np.nan, np.zeros((4, 1), np.float32), obs, np.zeros(4, np.float32))
    with pytest.raises(RewardError, match="acts contain NaN"):
        reward(obs, np.full((4, 1), np.nan, np.float32), obs, np.zeros(4, np.float32))
    with pytest.raises(RewardError, match="done must be 0 or 1 .*found 0.5"):
        reward(obs, np.zeros((4, 1), np.float32), obs, np.array([0, 1, 0.5, 0], np.float32))
    with pytest.raises(RewardError, match=r"found one observation \(3,\): add a batch axis"):
        reward(obs[0], np.zeros(1, np.float32), obs[0], np.zeros((), np.float32))
    assert reward(obs, np.zeros((4, 1)), obs, np.array([True, False, True, False])).shape == (4,)  # bools are 0/1


@pytest.mark.parametrize("engine", ["onnx", "torch"])
def test_discrete_actions_outside_the_space_are_refused(tmp_path, engine):
    """Out-of-range indices once picked another row of the one-hot (or none); fractions were truncated."""
    run, _, env = fake_run(tmp_path, "gail", "CartPole-v1")
    reward = load_reward(export_reward(run, tmp_path / "r"), engine=engine)
    obs, _, nxt, done = batch(env, n=3)
    ok = reward(obs, np.array([0, 1, 1]), nxt, done)
    assert ok[0] != ok[1]  # the action matters to this reward
    for same in (np.array([0.0, 1.0, 1.0]), np.array([[0], [1], [1]]), torch.tensor([False, True, True])):
        np.testing.assert_array_equal(reward(obs, same, nxt, done), ok)  # whole floats, SB3's (B, 1), bools
    for bad, found in (([0, 1, 2], r"lie in \[0, 2\), found \[0, 2\]"), ([0, -1, 1], r"lie in \[0, 2\), found \[-1, 1\]"),
                       ([0, 0.7, 1], "be whole numbers, found 0.7"), ([0, np.nan, 1], "be whole numbers, found nan")):
        with pytest.raises(RewardError, match=rf"^acts for Discrete\(2\): Discrete actions must {found}$"):
            reward(obs, np.array(bad), nxt, done)
    with pytest.raises(RewardError, match=r"acts must have shape \(B, \) with B = 3"):
        reward(obs, np.zeros((3, 2), np.int64), nxt, done)


def test_discrete_actions_that_do_not_start_at_zero_are_refused():
    from irl.data.spaces import check_supported, same_space
    from irl.errors import EnvError

    with pytest.raises(EnvError, match="Discrete actions must start at 0, found Discrete\\(3, start=-1\\)"):
        check_supported("shifted", gym.spaces.Box(-1, 1, (2,)), gym.spaces.Discrete(3, start=-1))
    assert not same_space(gym.spaces.Discrete(3), gym.spaces.Discrete(3, start=1))  # a reward refuses such an env


def test_gym_wrapper_replaces_the_reward_and_keeps_the_true_one(artifact):
    from irl.rewards.wrappers import LearnedRewardWrapper

    reward = load_reward(artifact)
    env = LearnedRewardWrapper(gym.make("Pendulum-v1"), reward)
    truth = gym.make("Pendulum-v1")
    obs, _ = env.reset(seed=4)
    truth.reset(seed=4)
    for _ in range(5):
        act = env.action_space.sample()
        nxt, r, terminated, _, info = env.step(act)
        _, true_r, *_ = truth.step(act)
        assert info["true_reward"] == pytest.approx(true_r)
        assert r == pytest.approx(float(reward(obs[None], act[None], nxt[None], np.zeros(1, np.float32))[0]), rel=1e-6)
        obs = nxt
    with pytest.raises(RewardError, match="observation space"):
        LearnedRewardWrapper(gym.make("CartPole-v1"), reward)


def test_vec_env_wrapper_scores_terminal_steps_with_their_terminal_observation(tmp_path):
    from stable_baselines3.common.vec_env import DummyVecEnv

    from irl.rl.sb3_adapter import LearnedRewardVecEnv

    run, _, _ = fake_run(tmp_path, "gail", "CartPole-v1")
    reward = load_reward(export_reward(run, tmp_path / "r"))
    calls = []

    def spy(obs, acts, next_obs, done):
        calls.append((obs.copy(), next_obs.copy(), done.copy()))
        return reward(obs, acts, next_obs, done)

    venv = LearnedRewardVecEnv(DummyVecEnv([lambda: gym.make("CartPole-v1")] * 2), spy)
    venv.seed(0)
    obs = venv.reset()
    ended = False
    for _ in range(100):
        nxt, rews, dones, infos = venv.step(np.array([0, 0]))  # always push left: falls within ~10 steps
        _, next_seen, done_seen = calls[-1]
        np.testing.assert_allclose(rews, reward(obs, np.array([0, 0]), next_seen, done_seen), rtol=1e-6)
        for i in np.flatnonzero(dones):
            np.testing.assert_array_equal(next_seen[i], infos[i]["terminal_observation"])
            assert done_seen[i] == 1.0 and "true_reward" in infos[i]
            ended = True
        obs = nxt
    assert ended


def test_onnx_probe_batch_covers_unbounded_and_half_bounded_actions(tmp_path):
    from irl.rewards.artifact import (
        RewardModule,
        _check_onnx_agrees,
        _export_onnx,
        _onnx_session,
    )

    spec = EnergySpec(kind="free", obs_dim=3, act_dim=2, state_only=False, absorbing=False, hidden=(8,), gamma=0.9)
    torch.manual_seed(0)
    module = RewardModule(build_energy(spec), spec, n_actions=None).eval()
    obs_space = gym.spaces.Box(-np.inf, np.inf, (3,))
    act_space = gym.spaces.Box(np.array([-np.inf, 5.0]), np.array([np.inf, np.inf]))
    _export_onnx(module, obs_space, act_space, tmp_path / "reward.onnx")
    runtime = _onnx_session(tmp_path / "reward.onnx", required=True, build=bytes)  # the file is there: build unused
    _check_onnx_agrees(runtime, module, obs_space, act_space, tmp_path)  # finite probes, the same rewards


@pytest.mark.parametrize("engine", ["onnx", "torch"])
def test_box_actions_far_outside_the_bounds_are_refused(artifact, engine):
    """Pendulum's torque is in [-2, 2]: on the bound (where clipped policies sit) and within
    the tolerance is fine, far outside is a RewardError naming the action."""
    reward = load_reward(artifact, engine=engine)
    obs, acts, nxt, done = batch(gym.make("Pendulum-v1"))
    slack = 0.004  # the tolerance, 0.1% of the width 4
    for fine in (np.full_like(acts, 2.0), np.full_like(acts, -2.0), np.full_like(acts, 2.0 + 0.9 * slack)):
        assert np.isfinite(reward(obs, fine, nxt, done)).all()
    far = acts.copy()
    far[3, 0] = 2e6
    with pytest.raises(RewardError, match=r"acts\[3, 0\] = 2e\+06 is outside the action space's bounds \[-2, 2\]"):
        reward(obs, far, nxt, done)
    with pytest.raises(RewardError, match="outside the action space's bounds"):
        reward(obs, np.full_like(acts, -2.0 - 2 * slack), nxt, done)
    from irl.rewards.artifact import ACTION_TOLERANCE

    assert ACTION_TOLERANCE * 4.0 == pytest.approx(slack)


@pytest.mark.parametrize("field, value", [("gamma", 0.5), ("env_id", "Hopper-v5"), ("expert_return", 1e9),
                                          ("obs_normalization", {"mean": [0.0, 0.0, 0.0], "std": [1.0, 1.0, 1.0]}),
                                          ("end_value", "floor")])
def test_an_edited_manifest_is_refused(artifact, field, value):
    manifest = json.loads((artifact / "manifest.json").read_text())
    manifest[field] = value
    (artifact / "manifest.json").write_text(json.dumps(manifest, indent=2))
    with pytest.raises(RewardError, match="does not match its manifest_sha256: its fields .* were edited"):
        load_reward(artifact)


def test_the_manifest_hash_survives_reformatting(artifact):
    manifest = json.loads((artifact / "manifest.json").read_text())
    (artifact / "manifest.json").write_text(json.dumps(dict(reversed(manifest.items()))))  # other order, no indent
    assert load_reward(artifact).gamma == 0.9
