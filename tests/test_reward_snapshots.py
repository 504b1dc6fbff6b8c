"""Reward snapshots: a run saves its energy every N steps (20 times over the run by default;
training unchanged, a resumed run saves the same files), and the export reads the chosen
snapshots (by default all of them) as one ensemble whose reward is the mean of theirs."""

import json

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from irl.energy.networks import EnergySpec, build_energy
from irl.errors import RewardError
from irl.rewards.artifact import export_reward, load_reward
from irl.runs.config import TrainConfig
from irl.runs.run_dir import energy_snapshots
from tests.conftest import SHIPPED_PENDULUM
from tests.test_reward_artifact import batch, fake_run

SMALL = {"n_envs": 2, "n_steps": 128, "batch_size": 128, "n_epochs": 1}  # 256 steps per update


def _config(total_steps: int, **kw) -> TrainConfig:
    return TrainConfig(learner="airl", env_id="Pendulum-v1", demos=str(SHIPPED_PENDULUM), total_steps=total_steps,
                       seed=3, eval_episodes=1, ppo=SMALL, **{"reward_snapshot_steps": 512, **kw})


def _tensors(path):
    return load_file(str(path))


def test_a_run_saves_its_energy_every_n_steps_and_a_resumed_run_the_same(tmp_path):
    from irl.api import train

    train(_config(6 * 256), tmp_path / "straight", progress=False)
    train(_config(3 * 256), tmp_path / "resumed", progress=False)
    train(_config(6 * 256), tmp_path / "resumed", progress=False, resume=True)

    straight, resumed = energy_snapshots(tmp_path / "straight"), energy_snapshots(tmp_path / "resumed")
    assert [s for s, _ in straight] == [s for s, _ in resumed] == [512, 1024, 1536]
    for (_, a), (_, b) in zip(straight, resumed):
        ta, tb = _tensors(a), _tensors(b)
        assert all(torch.equal(ta[k], tb[k]) for k in ta)
    final = _tensors(tmp_path / "straight" / "energy.safetensors")
    first, last = _tensors(straight[0][1]), _tensors(straight[-1][1])
    assert all(torch.equal(last[k], final[k]) for k in final)  # the last update crossed 1536
    assert not all(torch.equal(first[k], final[k]) for k in final)  # the reward moved after 512

    # all: the snapshots at 512 and 1024 and the final energy (the one at 1536 is the final energy)
    everything = load_reward(export_reward(tmp_path / "straight", tmp_path / "all", snapshots="all")).manifest
    assert everything["snapshot_steps"] == [512, 1024] and everything["energy"]["members"] == 3
    late = load_reward(export_reward(tmp_path / "straight", tmp_path / "late", snapshots="late")).manifest
    assert late["snapshot_steps"] == [1024] and late["energy"]["members"] == 2  # after half of 1536 steps
    final_only = load_reward(export_reward(tmp_path / "straight", tmp_path / "final", snapshots="final")).manifest
    assert final_only["snapshot_steps"] == [] and final_only["energy"]["members"] == 1
    default = load_reward(export_reward(tmp_path / "straight", tmp_path / "default")).manifest
    assert default["snapshots"] == "all" and default["snapshot_steps"] == [512, 1024]


def test_a_run_saves_twenty_energies_over_its_course_unless_told_otherwise(tmp_path):
    from irl.api import train

    assert _config(1_000_000, reward_snapshot_steps=None).snapshot_every == 50_000
    assert _config(10, reward_snapshot_steps=None).snapshot_every == 1
    assert _config(10, reward_snapshot_steps=0).snapshot_every == 0
    train(_config(4 * 256, reward_snapshot_steps=None), tmp_path / "run", progress=False)  # every 51 steps
    assert [s for s, _ in energy_snapshots(tmp_path / "run")] == [256, 512, 768, 1024]  # one per update
    assert json.loads((tmp_path / "run" / "config.json").read_text())["reward_snapshot_steps"] is None
    train(_config(4 * 256, reward_snapshot_steps=0), tmp_path / "none", progress=False)
    assert energy_snapshots(tmp_path / "none") == []
    kept, none = _tensors(tmp_path / "run" / "energy.safetensors"), _tensors(tmp_path / "none" / "energy.safetensors")
    assert all(torch.equal(kept[k], none[k]) for k in kept)  # keeping snapshots changes no training


def _energy_weights(spec: EnergySpec, seed: int, like) -> dict:
    torch.manual_seed(seed)
    energy = build_energy(spec)
    energy.normalize.load_state_dict(like.normalize.state_dict())  # one set of demo statistics, as in a run
    return {k: v.contiguous() for k, v in energy.state_dict().items()}


@pytest.mark.parametrize("learner, env_id", [("airl", "Pendulum-v1"), ("gcl", "CartPole-v1")])
def test_a_snapshot_ensemble_pays_the_mean_of_its_energies_rewards(tmp_path, learner, env_id):
    run, energy, env = fake_run(tmp_path, learner, env_id)  # total_steps 1000
    spec = EnergySpec.from_json(json.loads((run / "energy.json").read_text())["spec"])
    snapshots = {400: _energy_weights(spec, 1, energy), 800: _energy_weights(spec, 2, energy)}
    (run / "snapshots").mkdir()
    for step, weights in snapshots.items():
        save_file(weights, str(run / "snapshots" / f"energy-{step:010d}.safetensors"))
    ensemble = load_reward(export_reward(run, tmp_path / "ensemble", snapshots="all"))

    singles = []  # each energy exported alone, from a copy of the run whose final energy it is
    for i, weights in enumerate([*snapshots.values(), None]):
        alone = tmp_path / f"alone-{i}"
        alone.mkdir()
        for name in ("energy.json", "config.json", "scores.json"):
            (alone / name).write_bytes((run / name).read_bytes())
        if weights is None:
            (alone / "energy.safetensors").write_bytes((run / "energy.safetensors").read_bytes())
        else:
            save_file(weights, str(alone / "energy.safetensors"))
        singles.append(load_reward(export_reward(alone, tmp_path / f"reward-{i}")))
    obs, acts, nxt, done = batch(env, n=16)
    expected = np.mean([r(obs, acts, nxt, done) for r in singles], axis=0)
    np.testing.assert_allclose(ensemble(obs, acts, nxt, done), expected, rtol=1e-5, atol=1e-5)
    assert ensemble.manifest["snapshot_steps"] == [400, 800]


def test_snapshots_of_a_run_that_saved_none_are_refused_in_one_line(tmp_path):
    run, _, _ = fake_run(tmp_path, "airl", "Pendulum-v1")
    by_default = load_reward(export_reward(run, tmp_path / "final")).manifest  # its final energy
    assert by_default["snapshots"] == "final" and by_default["energy"]["members"] == 1
    with pytest.raises(RewardError, match="--reward-snapshot-steps") as caught:
        export_reward(run, tmp_path / "reward", snapshots="late")
    assert "\n" not in str(caught.value)
    with pytest.raises(RewardError, match="snapshots must be one of"):
        export_reward(run, tmp_path / "reward", snapshots="first")


def test_irl_export_says_which_energies_make_the_reward(tmp_path, capsys):
    from irl.cli import main

    run, _, _ = fake_run(tmp_path, "airl", "Pendulum-v1")
    assert main(["export", str(run), "--out", str(tmp_path / "a")]) == 0
    assert "the run's final energy (it saved no snapshots)" in capsys.readouterr().out
    (run / "snapshots").mkdir()
    (run / "snapshots" / "energy-0000001000.safetensors").write_bytes((run / "energy.safetensors").read_bytes())
    assert main(["export", str(run), "--out", str(tmp_path / "b")]) == 0
    assert "the run's final energy (every snapshot it saved equals it)" in capsys.readouterr().out
