"""Each command, and one bad input each: one line, no traceback, exit 2. The trained run comes from
a real `python -m irl.cli` process; the rest call the same entry point in this process, which
keeps the suite fast (each process start imports torch, SB3 and MuJoCo anew)."""

import io
import json
import os
import subprocess
import sys
import warnings
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import numpy as np
import pytest

from irl.cli import main
from irl.data.demos import load_demos
from irl.rewards.artifact import load_reward
from tests.conftest import SHIPPED_PENDULUM

TINY_PPO = ["--steps", "1024"]


def run_process(*args: str) -> subprocess.CompletedProcess:
    """``python -m irl.cli ARGS`` in a child process."""
    return subprocess.run([sys.executable, "-m", "irl.cli", *args], capture_output=True, text=True, timeout=300)


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``irl ARGS`` through :func:`irl.cli.main` in this process: its exit code and what it printed.
    An exception main() lets escape fails the test, as a traceback would show in a terminal."""
    out, err, here = io.StringIO(), io.StringIO(), os.getcwd()
    try:
        os.chdir(cwd or here)
        with redirect_stdout(out), redirect_stderr(err), warnings.catch_warnings():  # main() sets showwarning
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse's errors and --help
                code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    finally:
        os.chdir(here)
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def assert_clean_error(proc: subprocess.CompletedProcess, fragment: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("irl: error:")]
    assert len(lines) == 1 and fragment in lines[0], proc.stderr


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "run"
    proc = run_process("train", "gail", "--env", "Pendulum-v1", "--demos", str(SHIPPED_PENDULUM), "--steps", "4096",
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
    owner = json.loads((trained_run / "irl-folder.json").read_text())  # every entry is one irl says it wrote
    assert owner["kind"] == "run" and {p.name for p in trained_run.iterdir()} - {"irl-folder.json"} <= set(owner["files"])


def test_train_refuses_to_overwrite_a_run(trained_run):
    proc = run("train", "gail", "--env", "Pendulum-v1", "--demos", str(SHIPPED_PENDULUM), "--steps", "1024",
               "--out", str(trained_run))
    assert_clean_error(proc, "already holds a run")


def test_train_negative_bc_epochs(tmp_path):
    proc = run("train", "gail", "--env", "Pendulum-v1", "--demos", str(SHIPPED_PENDULUM), "--bc-epochs", "-1",
               "--out", str(tmp_path / "r"))
    assert_clean_error(proc, "argument --bc-epochs: expected a whole number in [0, 100,000], found '-1'")


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
    from irl.data.demos import load_demos

    demos = load_demos(out)
    assert demos.n_episodes == 2 and demos.random_return is not None and demos.env_id == "Pendulum-v1"
    assert_clean_error(run("collect", "--env", "Pendulum-v1", "--expert", str(expert), "--out", str(out)),
                       "already exists")


def test_collect_missing_expert(tmp_path):
    proc = run("collect", "--env", "Pendulum-v1", "--expert", str(tmp_path / "none.zip"), "--out", str(tmp_path / "d.npz"))
    assert_clean_error(proc, "does not exist")


def test_quickstart_bad_steps(tmp_path):
    assert_clean_error(run("quickstart", "--steps", "0", "--out", str(tmp_path / "q")), "argument --steps")
    assert not (tmp_path / "q").exists()


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
    assert_clean_error(run("export", str(trained_run), "--out", str(exported)), "already holds a reward artifact")


def test_retrain_on_the_exported_reward(exported, tmp_path):
    import re

    out = tmp_path / "re"
    proc = run("retrain", str(exported), "--env", "Pendulum-v1", "--steps", "1024", "--out", str(out),
               "--eval-episodes", "2")
    assert proc.returncode == 0, proc.stderr
    assert "normalised" in proc.stdout
    result = json.loads((out / "eval.json").read_text())
    assert result["reward_learner"] == "gail" and np.isfinite(result["return_mean"])
    assert (out / "policy.zip").is_file() and (out / "curves.png").is_file()
    rows = (out / "metrics.csv").read_text().splitlines()
    assert rows[0] == "episode,steps,seconds,ep_return,normalized_return"  # episodes, no discriminator
    assert len(rows) > 1 and rows[1].startswith("1,800,")  # 4 envs x 200 steps: the first episodes end together
    # the bar, like train's: steps done of the steps SB3 takes (one whole rollout of 4 x 1024), never beyond
    counts = [(int(done), int(total)) for done, total in re.findall(r"(\d+)/(\d+) \[", proc.stderr)]
    assert counts and counts[-1] == (4096, 4096) and all(done <= total for done, total in counts), proc.stderr
    assert "pendulum-v1 on the learned reward" in proc.stderr.lower() and "episode=" in proc.stderr


def test_retrain_hyper_sets_the_fresh_agents_settings_over_the_recipes(exported, tmp_path):
    out = tmp_path / "re"
    proc = run("retrain", str(exported), "--env", "Pendulum-v1", "--steps", "1024", "--out", str(out),
               "--eval-episodes", "1", "--hyper", "n_envs=2", "--hyper", "n_steps=256", "--no-progress")
    assert proc.returncode == 0, proc.stderr
    hyper = json.loads((out / "retrain.json").read_text())["hyperparameters"]
    assert (hyper["n_envs"], hyper["n_steps"], hyper["use_sde"]) == (2, 256, True)  # the rest: Pendulum's recipe
    rows = (out / "metrics.csv").read_text().splitlines()
    assert rows[1].startswith("1,400,")  # 2 envs x 200 steps, where the recipe's 4 envs end at 800


def test_retrain_refuses_an_unknown_hyper_before_any_folder_is_made(exported, tmp_path):
    proc = run("retrain", str(exported), "--env", "Pendulum-v1", "--steps", "1024", "--out", str(tmp_path / "re"),
               "--hyper", "n_stepz=256")
    assert_clean_error(proc, "--hyper: unknown PPO setting 'n_stepz'")
    assert not (tmp_path / "re").exists()


def test_retrain_on_an_env_with_other_spaces(exported, tmp_path):
    proc = run("retrain", str(exported), "--env", "CartPole-v1", "--steps", "1024", "--out", str(tmp_path / "re"))
    assert_clean_error(proc, "observation space")


def test_retrain_sac_on_discrete_actions_is_refused_before_any_folder_is_made(tmp_path):
    from irl.rewards.artifact import export_reward
    from tests.test_reward_artifact import fake_run

    run_folder, _, _ = fake_run(tmp_path, "gail", "CartPole-v1")
    export_reward(run_folder, tmp_path / "cartpole.reward")
    proc = run("retrain", str(tmp_path / "cartpole.reward"), "--env", "CartPole-v1", "--algo", "sac", "--steps", "1024",
               "--out", str(tmp_path / "re"))
    assert_clean_error(proc, "SAC needs Box actions; CartPole-v1 has Discrete(2)")
    assert not (tmp_path / "re").exists()


def test_judge(exported, tmp_path):
    args = ("judge", str(exported), "--env", "Pendulum-v1", "--demos", str(SHIPPED_PENDULUM), "--episodes", "2",
            "--out", str(tmp_path / "j"), "--heatmap", "0", "1", "--probe-steps", "1024")
    proc = run(*args)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == f"judging {exported} against Pendulum-v1's true reward: the demos, 2 random episodes"
    j = tmp_path / "j"
    assert lines[-2] == f"wrote {j / 'judge.json'}, {j / 'judge.png'}, {j / 'heatmap.png'}"
    assert_clean_error(run(*args), "already holds a judge result; pass --overwrite")  # judge.json is kept
    result = json.loads((tmp_path / "j" / "judge.json").read_text())
    probe = result["probe"]
    assert probe["steps"] == 1024 and len(probe["true_returns"]) == 2  # --probe-steps, --episodes
    assert lines[-1] == f"score {probe['score']:.2f}: {probe['verdict']}" and 0.0 <= probe["score"] <= 1.0
    assert set(result["per_source"]) == {"expert", "random"} and 0 <= result["epic"] <= 1
    demos = load_demos(SHIPPED_PENDULUM).transitions
    learned = load_reward(exported)(demos.obs, demos.acts, demos.next_obs, np.zeros(len(demos.obs), np.float32))
    expert = result["per_source"]["expert"]
    assert expert["learned_mean"] == pytest.approx(float(learned.mean()), rel=1e-5)
    assert expert["true_mean"] == pytest.approx(float(demos.rews.mean()), rel=1e-6)
    assert f"learned {expert['learned_mean']:+.3f}, true {expert['true_mean']:+.3f}" in proc.stdout
    assert (tmp_path / "j" / "judge.png").is_file() and (tmp_path / "j" / "heatmap.png").is_file()


def test_judge_repeats_exactly_with_a_stochastic_policy(trained_run, exported):
    """The policy's action noise is seeded by --seed, whatever torch's RNG went through before."""
    import torch

    from irl.api import judge

    def policy_figures() -> dict:
        result = judge(exported, "Pendulum-v1", SHIPPED_PENDULUM, policies=(str(trained_run / "policy.zip"),),
                       episodes=2, seed=3, probe_steps=0)
        return result["per_source"]["policy"]

    first = policy_figures()
    torch.rand(1000)  # the caller's RNG moves on
    assert policy_figures() == first


def test_judge_without_a_probe_says_it_gives_no_score(exported):
    proc = run("judge", str(exported), "--env", "Pendulum-v1", "--demos", str(SHIPPED_PENDULUM), "--episodes", "1",
               "--probe-steps", "0")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1].startswith("no score (--probe-steps 0)")


def test_judge_a_missing_artifact(tmp_path):
    proc = run("judge", str(tmp_path / "none"), "--env", "Pendulum-v1", "--demos", str(SHIPPED_PENDULUM))
    assert_clean_error(proc, "no reward artifact")


def test_train_hyper_overrides_and_reward_choices(tmp_path):
    from irl.cli import hyper_override
    from irl.energy.losses import POLICY_REWARD_NAMES

    assert hyper_override("ent_coef=0.01") == ("ent_coef", 0.01)
    assert hyper_override('policy_kwargs={"log_std_init": 0}') == ("policy_kwargs", {"log_std_init": 0})
    proc = run("train", "airl", "--env", "Pendulum-v1", "--demos", str(SHIPPED_PENDULUM), "--hyper", "ent_coeff=1",
               "--steps", "1024", "--out", str(tmp_path / "r"))
    assert_clean_error(proc, "--hyper (ppo): unknown PPO setting 'ent_coeff'")
    proc = run("train", "airl", "--env", "Pendulum-v1", "--demos", str(SHIPPED_PENDULUM), "--hyper", "ent_coef",
               "--out", str(tmp_path / "r"))
    assert proc.returncode == 2 and "expected KEY=VALUE" in proc.stderr
    proc = run("train", "airl", "--help")
    for name in POLICY_REWARD_NAMES:
        assert name in proc.stdout


# --- in-process: argument checks and folders, no training ---


def main_in_process(argv: list[str], capsys) -> tuple[int, str, str]:
    """``irl ARGV`` in this process: (exit code, stdout, stderr); warning settings restored."""
    import warnings

    from irl.cli import main

    with warnings.catch_warnings():
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, fragment: str) -> None:
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("irl: error:") and fragment in err, err


REQUIRED = {  # what each subcommand needs besides the flag under test (none of it is read: parsing fails first)
    "quickstart": ["--out", "q"],
    "collect": ["--env", "Pendulum-v1", "--expert", "e.zip", "--out", "d.npz"],
    "convert": ["s.npz", "--env", "Pendulum-v1", "--out", "d.npz"],
    "train": ["gail", "--env", "Pendulum-v1", "--demos", "d.npz", "--out", "run"],
    "retrain": ["reward", "--env", "Pendulum-v1", "--out", "re"],
    "judge": ["reward", "--env", "Pendulum-v1", "--demos", "d.npz", "--out", "j"],
    "eval": ["run"],
    "sweep": ["spec.toml", "--out", "s"],
}
ZERO_IS_VALID = {"--seed", "--bc-epochs", "--bc-warmup-steps", "--grad-penalty", "--lcr", "--mono", "--q-floor",
                 "--disc-weight-decay", "--policy-reset-steps", "--frozen-reward-steps", "--reward-snapshot-steps",
                 "--max-failures", "--heatmap", "--heatmap-range", "--probe-steps"}
NEGATIVE_IS_VALID = {"--heatmap-range"}  # coordinates
NOT_NUMBERS = {None, Path, str}


def _numeric_flags() -> list[tuple[str, str, int]]:
    """(subcommand, flag, number of values) of every numeric option of every subcommand."""
    import argparse

    from irl.cli import _parser, hyper_override

    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    found = []
    for name, parser in sub.choices.items():
        for action in parser._actions:
            if action.type not in NOT_NUMBERS and action.type is not hyper_override:
                found.append((name, action.option_strings[0], action.nargs if isinstance(action.nargs, int) else 1))
    return found


NUMERIC_FLAGS = _numeric_flags()


def _flag_type(command: str, flag: str):  # noqa: ANN202
    import argparse

    from irl.cli import _parser

    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    return next(a.type for a in sub.choices[command]._actions if flag in a.option_strings)


def test_every_subcommand_is_covered_by_the_bad_number_test():
    from irl.cli import _parser

    plain = [(c, f) for c, f, _ in NUMERIC_FLAGS if _flag_type(c, f) in (int, float)]
    assert plain == [], "parse numbers with irl.cli's number types (bounded, finite)"
    commands = set(_parser()._subparsers._group_actions[0].choices)
    assert {name for name, _, _ in NUMERIC_FLAGS} == set(REQUIRED) == commands - {"export", "recipes"}  # they take none
    flags = {flag for _, flag, _ in NUMERIC_FLAGS}
    assert {"--steps", "--episodes", "--eval-episodes", "--seed", "--disc-lr", "--q-floor", "--time-limit",
            "--heatmap", "--heatmap-range", "--checkpoint-every"} <= flags


@pytest.mark.parametrize("command, flag, nargs, value",
                         [(c, f, n, v) for c, f, n in NUMERIC_FLAGS for v in ("0", "-2", "nan", "1e30")
                          if not (v == "0" and f in ZERO_IS_VALID) and not (v == "-2" and f in NEGATIVE_IS_VALID)])
def test_a_bad_number_is_a_one_line_error_and_writes_nothing(tmp_path, monkeypatch, capsys, command, flag, nargs,
                                                             value):
    monkeypatch.chdir(tmp_path)
    code, out, err = main_in_process([command, *REQUIRED[command], flag, *[value] * nargs], capsys)
    assert_one_line_error(code, err, f"argument {flag}")
    assert value in err and f"irl {command} --help" in err
    assert list(tmp_path.iterdir()) == []


def test_good_numbers_parse(tmp_path):
    from irl.cli import _parser

    for command, flag, nargs in NUMERIC_FLAGS:
        good = {"--segment-length": "2", "--q-floor": "0.5"}.get(flag, "1")
        for value in (good, "0") if flag in ZERO_IS_VALID else (good,):
            args = _parser().parse_args([command, *REQUIRED[command], flag, *[value] * nargs])
            assert args.command == command


def test_every_flag_has_help_and_shows_its_default(capsys):
    import argparse

    from irl.cli import _parser

    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name, parser in sub.choices.items():
        text = " ".join(parser.format_help().split())  # as one line, whatever the terminal's width
        for action in parser._actions:
            assert action.help, f"irl {name} {action.dest} has no help"
            if action.option_strings and action.default not in (None, False, argparse.SUPPRESS):
                assert f"(default: {action.default})" in text or "default" in action.help, (name, action.dest)
    train = sub.choices["train"].format_help()
    for fragment in ("--steps STEPS", "(default: 1000000)", "--seed SEED", "(default: 0)", "Gymnasium env id"):
        assert fragment in train, fragment
    assert "(default: 20)" in sub.choices["eval"].format_help()


def test_quickstart_on_a_run_does_not_suggest_resume(tmp_path, capsys):
    from irl.runs import run_dir
    from irl.runs.config import TrainConfig

    out = run_dir.claim(tmp_path / "q", run_dir.RUN)
    (out / "config.json").write_text(TrainConfig(learner="airl", env_id="Pendulum-v1", demos="d.npz",
                                                 total_steps=1000).to_json())
    code, _, err = main_in_process(["quickstart", "--out", str(out), "--steps", "1000"], capsys)
    assert_one_line_error(code, err, "already holds a run; pass --overwrite to replace it")
    assert "--resume" not in err  # irl quickstart has none
    code, _, err = main_in_process(["train", "airl", "--env", "Pendulum-v1", "--demos", str(SHIPPED_PENDULUM),
                                    "--out", str(out)], capsys)
    assert_one_line_error(code, err, "pass --resume to continue it, --overwrite to replace it")


def test_train_overwrite_never_deletes_files_irl_did_not_write(tmp_path, capsys):
    """The reproduction of the data loss: a folder with a config.json and someone's thesis."""
    from irl.runs.config import TrainConfig

    out = tmp_path / "work"
    out.mkdir()
    (out / "config.json").write_text(TrainConfig(learner="gail", env_id="Pendulum-v1", demos=str(SHIPPED_PENDULUM),
                                                 total_steps=1024).to_json())
    (out / "thesis.tex").write_text("years of work")
    for flags in (["--overwrite"], [], ["--resume"]):
        code, _, err = main_in_process(["train", "gail", "--env", "Pendulum-v1", "--demos", str(SHIPPED_PENDULUM),
                                        "--steps", "1024", "--eval-episodes", "1", "--no-progress", "--out", str(out),
                                        *flags], capsys)
        assert_one_line_error(code, err, "holds files irl did not write (thesis.tex)")
    assert sorted(p.name for p in out.iterdir()) == ["config.json", "thesis.tex"]
    assert (out / "thesis.tex").read_text() == "years of work"


@pytest.fixture(scope="module")
def expert_zip(tmp_path_factory) -> Path:
    from stable_baselines3 import PPO

    path = tmp_path_factory.mktemp("expert") / "expert.zip"
    PPO("MlpPolicy", "Pendulum-v1", n_steps=64, seed=0).save(path)
    return path


@pytest.mark.parametrize("episodes", [0, -2])
def test_collect_without_episodes_is_an_error_that_leaves_no_file(tmp_path, capsys, expert_zip, episodes):
    from irl.api import collect
    from irl.errors import ConfigError

    with pytest.raises(ConfigError, match=f"episodes must be a whole number >= 1, found {episodes}"):
        collect("Pendulum-v1", expert_zip, episodes=episodes, out=tmp_path / "d.npz")
    code, _, err = main_in_process(["collect", "--env", "Pendulum-v1", "--expert", str(expert_zip), "--episodes",
                                    str(episodes), "--out", str(tmp_path / "d.npz")], capsys)
    assert_one_line_error(code, err, "argument --episodes")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["collect", "convert"])
def test_overwrite_replaces_only_a_demo_file_irl_wrote(tmp_path, capsys, expert_zip, command):
    target = tmp_path / "thesis.tex"
    target.write_text("years of work")
    inputs = {"collect": ["--expert", str(expert_zip), "--episodes", "1"], "convert": [str(SHIPPED_PENDULUM)]}
    argv = [command, *inputs[command], "--env", "Pendulum-v1", "--overwrite", "--out"]
    code, _, err = main_in_process([*argv, str(target)], capsys)
    assert_one_line_error(code, err, "is not a demo file irl wrote; refusing to replace it")
    assert target.read_text() == "years of work"
    code, _, err = main_in_process([*argv, str(tmp_path)], capsys)
    assert_one_line_error(code, err, "is a folder; give the path of the .npz file to write")


def test_eval_and_judge_bad_episode_counts_from_python(tmp_path):
    from irl.api import evaluate_run, judge, retrain
    from irl.errors import ConfigError

    with pytest.raises(ConfigError, match="episodes must be a whole number >= 1, found -3"):
        evaluate_run(tmp_path, episodes=-3)
    with pytest.raises(ConfigError, match="episodes must be a whole number >= 1, found -2"):
        judge(tmp_path, "Pendulum-v1", SHIPPED_PENDULUM, episodes=-2)
    with pytest.raises(ConfigError, match="steps must be a whole number >= 1, found -1"):
        retrain(tmp_path, "Pendulum-v1", steps=-1, out=tmp_path / "re")
    with pytest.raises(ConfigError, match="heatmap_range must be finite"):
        judge(tmp_path, "Pendulum-v1", SHIPPED_PENDULUM, heatmap_range=(1.0, 0.0, 0.0, 1.0))
    with pytest.raises(ConfigError, match=r"probe_steps must be >= 0 \(0: no probe\), got -5"):
        judge(tmp_path, "Pendulum-v1", SHIPPED_PENDULUM, probe_steps=-5)
    assert list(tmp_path.iterdir()) == []


def test_train_flags_reach_the_config(tmp_path, monkeypatch):
    """The options that keep a reward teaching go from the command line into TrainConfig."""
    import irl.api
    from irl.cli import main

    seen = {}
    monkeypatch.setattr(irl.api, "train", lambda config, out, **kwargs: seen.setdefault("config", config) and {})
    monkeypatch.setattr("irl.cli._print_eval", lambda result: None, raising=False)
    main(["train", "airl", "--env", "Pendulum-v1", "--demos", "d.npz", "--out", str(tmp_path / "run"),
          "--ensemble", "3", "--reward-bound", "10", "--disc-weight-decay", "1e-3", "--disc-lr-decay",
          "--policy-reset-steps", "50000", "--frozen-reward-steps", "20000"])
    config = seen["config"]
    assert (config.ensemble_size, config.reward_bound, config.disc_weight_decay, config.disc_lr_decay,
            config.policy_reset_steps, config.frozen_reward_steps) == (3, 10.0, 1e-3, True, 50_000, 20_000)
