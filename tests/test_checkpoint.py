"""Checkpoint and resume: a run killed with SIGKILL and resumed ends bit for bit where an
uninterrupted run with the same seed ends."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch
from safetensors.torch import load_file

from tests.conftest import SHIPPED_PENDULUM

SCRIPT = """
import json, sys
from irl.api import train
from irl.runs.config import TrainConfig
learner, out, mode, extra = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
ppo = {"n_envs": 2, "n_steps": 128, "batch_size": 128, "n_epochs": 2} if extra.get("algo", "ppo") == "ppo" else {}
ppo.update(extra.pop("ppo", {}))
config = TrainConfig(learner=learner, env_id="Pendulum-v1", demos=%r, total_steps=12 * 256, seed=5,
                     eval_episodes=1, ppo=ppo, **extra)
train(config, out, progress=False, resume=mode == "resume", checkpoint_every=1)
""" % str(SHIPPED_PENDULUM)


def _start(tmp_path, learner, out, mode, extra):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    return subprocess.Popen([sys.executable, str(script), learner, str(out), mode, json.dumps(extra)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _final_state(run):
    tensors = load_file(str(run / "checkpoint" / "state.safetensors"))
    meta = json.loads((run / "checkpoint" / "state.json").read_text())
    for info in meta["generator"]["ep_info_buffer"]:
        info.pop("t")  # wall-clock time of the episode: the only thing allowed to differ
    return tensors, meta


SMALL_SAC = {"learning_starts": 256, "round_steps": 256, "batch_size": 64, "train_freq": 4,
             "policy_kwargs": {"net_arch": [32, 32]}}


@pytest.mark.parametrize("learner, extra", [  # AIRL at its defaults is the last case's core
    ("gcl", {"replay_rounds": 2, "log_z": "importance"}),
    ("airl", {"algo": "sac", "sac": SMALL_SAC}),  # replay buffer, three optimisers, entropy coefficient
    # killed inside the warm-up: the actor stays frozen and the obs statistics held after the resume
    ("gail", {"bc_epochs": 3, "bc_warmup_steps": 1536, "ppo": {"normalize_obs": True}}),
    # the policy re-initialised every 512 steps (its decaying learning rate started over each time),
    # the discriminator's learning rate decaying, two energies, the reward frozen for the last 768 steps
    ("airl", {"policy_reset_steps": 512, "disc_lr_decay": True, "reward_bound": 5.0, "ensemble_size": 2,
              "ppo": {"learning_rate": "lin_1e-3"}, "frozen_reward_steps": 768}),
])
def test_killed_and_resumed_run_equals_an_uninterrupted_one(tmp_path, learner, extra):
    children = []
    try:
        _kill_and_resume(tmp_path, learner, extra, children)
    finally:  # a failed assertion must not leave training processes behind
        for proc in children:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def _kill_and_resume(tmp_path, learner, extra, children):
    straight = _start(tmp_path, learner, tmp_path / "straight", "new", extra)
    killed_dir = tmp_path / "killed"
    victim = _start(tmp_path, learner, killed_dir, "new", extra)
    children += [straight, victim]
    deadline = time.time() + 240
    while time.time() < deadline:  # wait for a checkpoint past round 3, then pull the plug
        state = killed_dir / "checkpoint" / "state.json"
        try:
            if state.exists() and json.loads(state.read_text())["round"] >= 3:
                break
        except (json.JSONDecodeError, FileNotFoundError):
            pass  # caught mid-rename
        time.sleep(0.02)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    states = [p for p in (killed_dir / "checkpoint", killed_dir / ".checkpoint.old") if (p / "state.json").exists()]
    assert states, "no checkpoint within 240 s: the machine is too loaded for this test"
    state = states[0]
    round_at_kill = json.loads((state / "state.json").read_text())["round"]  # (.old if killed mid-rename)
    assert round_at_kill < 12, "the run finished before it could be killed"

    resumed = _start(tmp_path, learner, killed_dir, "resume", extra)
    children.append(resumed)
    assert resumed.wait(timeout=300) == 0, resumed.stderr.read()
    assert straight.wait(timeout=300) == 0, straight.stderr.read()

    tensors_a, meta_a = _final_state(tmp_path / "straight")
    tensors_b, meta_b = _final_state(killed_dir)
    meta_a.pop("seconds"), meta_b.pop("seconds")  # wall-clock training time, all that may differ
    assert meta_a == meta_b and meta_a["round"] == 12
    assert set(tensors_a) == set(tensors_b)
    different = [k for k in tensors_a if not torch.equal(tensors_a[k], tensors_b[k])]
    assert not different, different[:10]
    rows = (killed_dir / "metrics.csv").read_text().splitlines()
    assert len(rows) == 13  # header + 12 rounds, none duplicated by the resume
    seconds = [float(row.split(",")[2]) for row in rows[1:]]
    assert seconds == sorted(seconds), "the training clock restarted at the resume"


def test_resume_refuses_other_settings_and_missing_checkpoints(tmp_path):
    from irl.api import train
    from irl.errors import RunDirError
    from irl.runs.config import TrainConfig

    config = TrainConfig(learner="gail", env_id="Pendulum-v1", demos=str(SHIPPED_PENDULUM), total_steps=256,
                         eval_episodes=1, ppo={"n_envs": 2, "n_steps": 128, "batch_size": 128, "n_epochs": 1})
    with pytest.raises(RunDirError, match="holds no run to resume"):
        train(config, tmp_path / "none", progress=False, resume=True)
    train(config, tmp_path / "run", progress=False)
    other = TrainConfig(**{**json.loads(config.to_json()), "seed": 9, "energy_hidden": (64, 64)})
    with pytest.raises(RunDirError, match="seed: 0 there, 9 now"):
        train(other, tmp_path / "run", progress=False, resume=True)
    with pytest.raises(RunDirError, match="pass --resume to continue it"):
        train(config, tmp_path / "run", progress=False)


def test_a_finished_run_resumed_with_more_steps_equals_a_longer_run(tmp_path):
    from irl.api import train
    from irl.runs.config import TrainConfig

    short = TrainConfig(learner="airl", env_id="Pendulum-v1", demos=str(SHIPPED_PENDULUM), total_steps=3 * 256, seed=3,
                        eval_episodes=1, ppo={"n_envs": 2, "n_steps": 128, "batch_size": 128, "n_epochs": 1})
    long = TrainConfig(**{**json.loads(short.to_json()), "total_steps": 6 * 256, "energy_hidden": (64, 64)})
    train(short, tmp_path / "extended", progress=False, checkpoint_every=2)
    train(long, tmp_path / "extended", progress=False, resume=True, checkpoint_every=2)
    train(long, tmp_path / "straight", progress=False, checkpoint_every=2)

    tensors_a, meta_a = _final_state(tmp_path / "straight")
    tensors_b, meta_b = _final_state(tmp_path / "extended")
    meta_a.pop("seconds"), meta_b.pop("seconds")
    assert meta_a == meta_b and meta_a["round"] == 6
    assert all(torch.equal(tensors_a[k], tensors_b[k]) for k in tensors_a)
    assert json.loads((tmp_path / "extended" / "config.json").read_text())["total_steps"] == 6 * 256
    assert len((tmp_path / "extended" / "metrics.csv").read_text().splitlines()) == 7


def test_resume_refuses_a_smaller_budget(tmp_path):
    from irl.api import train
    from irl.errors import RunDirError
    from irl.runs.config import TrainConfig

    config = TrainConfig(learner="gail", env_id="Pendulum-v1", demos=str(SHIPPED_PENDULUM), total_steps=512,
                         eval_episodes=1, ppo={"n_envs": 2, "n_steps": 128, "batch_size": 128, "n_epochs": 1})
    train(config, tmp_path / "run", progress=False)
    shorter = TrainConfig(**{**json.loads(config.to_json()), "total_steps": 256, "energy_hidden": (64, 64)})
    with pytest.raises(RunDirError, match="total_steps: 512 there, 256 now"):
        train(shorter, tmp_path / "run", progress=False, resume=True)


def test_runs_saved_before_a_setting_existed_resume_at_its_default():
    from irl.runs.config import TrainConfig, settings_that_differ

    config = json.loads(TrainConfig(learner="gail", env_id="Pendulum-v1", demos="d.npz", total_steps=10).to_json())
    older = {k: v for k, v in config.items() if k != "bc_epochs"}  # written before bc_epochs was added
    assert settings_that_differ(older, config) == []
    assert settings_that_differ(older, {**config, "bc_epochs": 3}) == ["bc_epochs"]
