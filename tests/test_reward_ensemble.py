"""An ensemble's exported reward: one artifact, one ONNX graph holding every member, read as
the members' mean or their worst; an artifact that lost a member is refused."""

import hashlib
import json

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from irl.energy.networks import EnergySpec, build_energy
from irl.errors import RewardError
from irl.rewards.artifact import export_reward, load_reward
from irl.runs import run_dir
from irl.runs.config import TrainConfig
from tests.test_reward_artifact import _rewrite_manifest, batch


def ensemble_run(tmp_path, learner):
    import gymnasium as gym

    env = gym.make("Pendulum-v1")
    spec = EnergySpec(kind="shaped" if learner == "airl" else "free", obs_dim=3, act_dim=1,
                      state_only=learner == "airl", absorbing=True, hidden=(16,), gamma=0.9, members=3)
    torch.manual_seed(0)
    energy = build_energy(spec)
    energy.fit_normalization(np.random.default_rng(0).normal(size=(50, 3)))
    run = tmp_path / f"{learner}-ensemble"
    run.mkdir()
    run_dir.save_energy(run, energy, spec.to_json(), learner=learner, policy_reward="logit")
    config = TrainConfig(learner=learner, env_id="Pendulum-v1", demos="demos.npz", total_steps=1000, ensemble_size=3)
    (run / "config.json").write_text(config.to_json())
    (run / "scores.json").write_text(json.dumps({"expert": -100.0, "random": -1000.0}))
    return run, energy, env


def member_rewards(energy, learner, obs, acts, nxt):
    """(3, B) each member's reward on non-terminal rows, less its absorbing-state reward."""
    flag = torch.zeros(len(obs), 1)
    o, n = torch.cat([torch.as_tensor(obs), flag], 1), torch.cat([torch.as_tensor(nxt), flag], 1)
    a = torch.as_tensor(acts, dtype=torch.float32).reshape(len(obs), -1)
    absorbing = torch.zeros(1, 4)
    absorbing[0, -1] = 1.0
    out = []
    with torch.no_grad():
        for m in energy.members:
            if learner == "airl":
                r, r_abs = m.g_value(o, a), m.g_value(absorbing, torch.zeros(1, 1))
            else:
                r = -m(o, a, n, torch.zeros(len(o)))
                r_abs = -m(absorbing, torch.zeros(1, 1), absorbing, torch.zeros(1))
            out.append((r, r_abs))
    return out


@pytest.mark.parametrize("learner", ["airl", "gail"])
@pytest.mark.parametrize("ensemble", ["mean", "pessimistic"])
def test_an_ensemble_exports_as_its_mean_or_its_worst_member(tmp_path, learner, ensemble):
    run, energy, env = ensemble_run(tmp_path, learner)
    out = export_reward(run, tmp_path / "reward", ensemble=ensemble)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["ensemble"] == ensemble and "3 members" in manifest["reward"]
    obs, acts, nxt, _ = batch(env)
    done = np.zeros(len(obs), np.float32)
    parts = member_rewards(energy, learner, obs, acts, nxt)
    rewards = torch.stack([r for r, _ in parts])  # (3, B)
    r_abs = torch.stack([a for _, a in parts])[:, 0]  # (3,)
    if ensemble == "mean":
        expected = rewards.mean(0) - r_abs.mean()
    else:
        expected = rewards.amin(0) - r_abs.amin()
    for engine in ("torch", "onnx"):  # the ONNX graph holds all three members
        got = load_reward(out, engine=engine)(obs, acts, nxt, done)
        np.testing.assert_allclose(got, expected.numpy(), rtol=1e-4, atol=1e-5)


def test_an_artifact_that_lost_a_member_is_refused_in_one_line(tmp_path):
    run, _, _ = ensemble_run(tmp_path, "airl")
    out = export_reward(run, tmp_path / "reward")
    path = out / "reward.safetensors"
    weights = {k: v for k, v in load_file(str(path)).items() if not k.startswith("members.2.")}
    save_file(weights, str(path))
    manifest = json.loads((out / "manifest.json").read_text())
    _rewrite_manifest(out, sha256={**manifest["sha256"], "reward.safetensors": hashlib.sha256(path.read_bytes()).hexdigest()})
    with pytest.raises(RewardError, match=r"holds 2 of the ensemble's 3 members \(missing 2\)") as info:
        load_reward(out)
    assert "\n" not in str(info.value)


def test_an_unknown_ensemble_reading_is_refused(tmp_path):
    run, _, _ = ensemble_run(tmp_path, "gail")
    with pytest.raises(RewardError, match="ensemble must be one of"):
        export_reward(run, tmp_path / "reward", ensemble="median")
    out = export_reward(run, tmp_path / "reward")
    _rewrite_manifest(out, ensemble="median")
    with pytest.raises(RewardError, match="ensemble must be one of"):
        load_reward(out)


def test_an_ensembles_shaped_form_is_the_members_mean_shaped_reward(tmp_path):
    """AIRL's g + γ·h(s') - h(s) of an ensemble: the members' mean f on non-terminal steps,
    less the mean r_abs, the same under torch and ONNX."""
    run, energy, env = ensemble_run(tmp_path, "airl")
    out = export_reward(run, tmp_path / "reward", form="shaped")
    obs, acts, nxt, _ = batch(env)
    done = np.zeros(len(obs), np.float32)
    flag = torch.zeros(len(obs), 1)
    o, n = torch.cat([torch.as_tensor(obs), flag], 1), torch.cat([torch.as_tensor(nxt), flag], 1)
    a = torch.as_tensor(acts, dtype=torch.float32).reshape(len(obs), -1)
    absorbing = torch.zeros(1, 4)
    absorbing[0, -1] = 1.0
    with torch.no_grad():
        f = torch.stack([-m(o, a, n, torch.zeros(len(o))) for m in energy.members]).mean(0)
        f_abs = torch.stack([-m(absorbing, torch.zeros(1, 1), absorbing, torch.zeros(1)) for m in energy.members]).mean()
    for engine in ("torch", "onnx"):
        got = load_reward(out, engine=engine)(obs, acts, nxt, done)
        np.testing.assert_allclose(got, (f - f_abs).numpy(), rtol=1e-4, atol=1e-5)
