"""Each command through a subprocess, and one bad input each: one line, no traceback, exit 2."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from irl.demos import load_demos
from irl.reward_artifact import load_reward
from tests.conftest import SHIPPED_PENDULUM

TINY_PPO = ["--steps", "1024"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "irl.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def assert_clean_error(proc: subprocess.CompletedProcess, fragment: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("irl: error:")]
    assert len(lines) == 1 and fragment in lines[0], proc.stderr


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "run"
    proc = run("train", "gail", "--env", "Pendulum-v1", "--demos", str(SHIPPED_PENDULUM), "--steps", "4096",
               "--out", str(out), "--eval-episodes", "2", "--no-progress", "--bc-epochs", "2")
    assert proc.returncode == 0, proc.stderr
    assert "normalised" in proc.stdout
    return out


def test_train_writes_the_run_folder(trained_run):
    for name in ("config.json", "scores.json", "metrics.csv", "policy.zip", "energy.safetensors", "energy.json",
                 "curves.png", "eval.json"):
        assert (trained_run / name).is_file(), name
    assert any((trained_run / "tb").rglob("events.out.tfevents.*"))
    rows = (trained_run / "metrics.csv").read_text().splitlines()
    assert len(rows) == 2  # header + one round of 4096 steps (4 envs x 1024)
    result = json.loads((trained_run / "eval.json").read_text())
    assert result["episodes"] == 2 and np.isfinite(result["normalized_return"])
    assert result["behaviour_cloning"]["bc_epochs"] == 2


def test_train_refuses_to_overwrite_a_run(trained_run):
    proc = run("train", "gail", "--env", "Pendulum-v1", "--demos", str(SHIPPED_PENDULUM), "--steps", "1024",
               "--out", str(trained_run))
    assert_clean_error(proc, "already holds a run")


def test_train_negative_bc_epochs(tmp_path):
    proc = run("train", "gail", "--env", "Pendulum-v1", "--demos", str(SHIPPED_PENDULUM), "--bc-epochs", "-1",
               "--out", str(tmp_path / "r"))
    assert_clean_error(proc, "bc_epochs and bc_warmup_steps must be >= 0, got -1")


def test_train_unknown_env(tmp_path):
    proc = run("train", "airl", "--env", "NoSuchEnv-v9", "--demos", str(SHIPPED_PENDULUM), "--out", str(tmp_path / "r"))
    assert_clean_error(proc, "NoSuchEnv-v9")


def test_train_demos_for_another_env(tmp_path):
    proc = run("train", "gail", "--env", "CartPole-v1", "--demos", str(SHIPPED_PENDULUM), "--steps", "1024",
               "--out", str(tmp_path / "r"))
    assert_clean_error(proc, "recorded on 'Pendulum-v1'")


def test_train_gcl_options_that_do_not_fit(tmp_path):
    proc = run("train", "gail", "--env", "Pendulum-v1", "--demos", str(SHIPPED_PENDULUM), "--log-z", "importance",
               "--out", str(tmp_path / "r"))
    assert_clean_error(proc, "GAIL has none")
    proc = run("train", "gcl", "--env", "Pendulum-v1", "--demos", str(SHIPPED_PENDULUM), "--gcl-form", "trajectory",
               "--segment-length", "500", "--out", str(tmp_path / "r"))
    assert_clean_error(proc, "no demo episode is 500 steps long")
    assert not (tmp_path / "r").exists()  # nothing written for a run that cannot start


def test_eval(trained_run):
    proc = run("eval", str(trained_run), "--episodes", "2")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["episodes"] == 2 and result["env_id"] == "Pendulum-v1"


def test_eval_not_a_run(tmp_path):
    assert_clean_error(run("eval", str(tmp_path)), "is not a run folder")


def test_collect(tmp_path):
    from stable_baselines3 import PPO

    expert = tmp_path / "expert.zip"
    PPO("MlpPolicy", "Pendulum-v1", n_steps=64, seed=0).save(expert)
    out = tmp_path / "demos.npz"
    proc = run("collect", "--env", "Pendulum-v1", "--expert", str(expert), "--episodes", "2", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    from irl.demos import load_demos

    demos = load_demos(out)
    assert demos.n_episodes == 2 and demos.random_return is not None and demos.env_id == "Pendulum-v1"
    assert_clean_error(run("collect", "--env", "Pendulum-v1", "--expert", str(expert), "--out", str(out)),
                       "already exists")


def test_collect_missing_expert(tmp_path):
    proc = run("collect", "--env", "Pendulum-v1", "--expert", str(tmp_path / "none.zip"), "--out", str(tmp_path / "d.npz"))
    assert_clean_error(proc, "does not exist")


def test_quickstart_bad_steps(tmp_path):
    assert_clean_error(run("quickstart", "--steps", "0", "--out", str(tmp_path / "q")), "total_steps must be positive")


def test_collect_refuses_pickled_vecnormalize(tmp_path):
    from stable_baselines3 import PPO

    expert = tmp_path / "expert.zip"
    PPO("MlpPolicy", "Pendulum-v1", n_steps=64, seed=0).save(expert)
    (tmp_path / "vecnormalize.pkl").write_bytes(b"not unpickled")
    proc = run("collect", "--env", "Pendulum-v1", "--expert", str(expert), "--out", str(tmp_path / "d.npz"))
    assert_clean_error(proc, "convert_vecnormalize.py")


def test_train_unsupported_observation_space(tmp_path):
    proc = run("train", "gail", "--env", "FrozenLake-v1", "--demos", str(SHIPPED_PENDULUM), "--out", str(tmp_path / "r"))
    assert_clean_error(proc, "observations must be a Box space")


@pytest.fixture(scope="module")
def exported(trained_run) -> Path:
    out = trained_run.parent / "reward"
    proc = run("export", str(trained_run), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "-E(s, a) of GAIL on Pendulum-v1" in proc.stdout
    return out


def test_export_refuses_an_existing_artifact(trained_run, exported):
    assert_clean_error(run("export", str(trained_run), "--out", str(exported)), "already exists")


def test_retrain_on_the_exported_reward(exported, tmp_path):
    out = tmp_path / "re"
    proc = run("retrain", str(exported), "--env", "Pendulum-v1", "--steps", "1024", "--out", str(out),
               "--eval-episodes", "2", "--no-progress")
    assert proc.returncode == 0, proc.stderr
    assert "normalised" in proc.stdout
    result = json.loads((out / "eval.json").read_text())
    assert result["reward_learner"] == "gail" and np.isfinite(result["return_mean"])
    assert (out / "policy.zip").is_file() and (out / "curves.png").is_file()
    rows = (out / "metrics.csv").read_text().splitlines()
    assert len(rows) > 1  # true episode returns were logged while training on the learned reward


def test_retrain_on_an_env_with_other_spaces(exported, tmp_path):
    proc = run("retrain", str(exported), "--env", "CartPole-v1", "--steps", "1024", "--out", str(tmp_path / "re"))
    assert_clean_error(proc, "observation space")


def test_retrain_sac_on_discrete_actions_is_refused_before_any_folder_is_made(tmp_path):
    from irl.reward_artifact import export_reward
    from tests.test_reward_artifact import fake_run

    run_folder, _, _ = fake_run(tmp_path, "gail", "CartPole-v1")
    export_reward(run_folder, tmp_path / "cartpole.reward")
    proc = run("retrain", str(tmp_path / "cartpole.reward"), "--env", "CartPole-v1", "--algo", "sac", "--steps", "1024",
               "--out", str(tmp_path / "re"))
    assert_clean_error(proc, "SAC needs Box actions; CartPole-v1 has Discrete(2)")
    assert not (tmp_path / "re").exists()


def test_judge(exported, tmp_path):
    proc = run("judge", str(exported), "--env", "Pendulum-v1", "--demos", str(SHIPPED_PENDULUM), "--episodes", "2",
               "--out", str(tmp_path / "j"), "--heatmap", "0", "1")
    assert proc.returncode == 0, proc.stderr
    result = json.loads((tmp_path / "j" / "judge.json").read_text())
    assert set(result["per_source"]) == {"expert", "random"} and 0 <= result["epic"] <= 1
    demos = load_demos(SHIPPED_PENDULUM).transitions
    learned = load_reward(exported)(demos.obs, demos.acts, demos.next_obs, np.zeros(len(demos.obs), np.float32))
    expert = result["per_source"]["expert"]
    assert expert["learned_mean"] == pytest.approx(float(learned.mean()), rel=1e-5)
    assert expert["true_mean"] == pytest.approx(float(demos.rews.mean()), rel=1e-6)
    assert f"learned {expert['learned_mean']:+.3f}, true {expert['true_mean']:+.3f}" in proc.stdout
    assert (tmp_path / "j" / "judge.png").is_file() and (tmp_path / "j" / "heatmap.png").is_file()


def test_judge_a_missing_artifact(tmp_path):
    proc = run("judge", str(tmp_path / "none"), "--env", "Pendulum-v1", "--demos", str(SHIPPED_PENDULUM))
    assert_clean_error(proc, "no reward artifact")


def test_train_hyper_overrides_and_reward_choices(tmp_path):
    from irl.cli import hyper_override
    from irl.losses import POLICY_REWARD_NAMES

    assert hyper_override("ent_coef=0.01") == ("ent_coef", 0.01)
    assert hyper_override('policy_kwargs={"log_std_init": 0}') == ("policy_kwargs", {"log_std_init": 0})
    proc = run("train", "airl", "--env", "Pendulum-v1", "--demos", str(SHIPPED_PENDULUM), "--hyper", "ent_coeff=1",
               "--steps", "1024", "--out", str(tmp_path / "r"))
    assert_clean_error(proc, "PPO settings ent_coeff are not accepted here")
    proc = run("train", "airl", "--env", "Pendulum-v1", "--demos", str(SHIPPED_PENDULUM), "--hyper", "ent_coef",
               "--out", str(tmp_path / "r"))
    assert proc.returncode == 2 and "expected KEY=VALUE" in proc.stderr
    proc = run("train", "airl", "--help")
    for name in POLICY_REWARD_NAMES:
        assert name in proc.stdout
