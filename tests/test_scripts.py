"""The helper scripts that ship with the project."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def test_convert_vecnormalize_round_trip(tmp_path):
    from stable_baselines3 import PPO
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.vec_env import VecNormalize

    from irl.rl.policy_io import Policy

    venv = VecNormalize(make_vec_env("Pendulum-v1", n_envs=1, seed=0), norm_reward=False)
    venv.reset()
    for _ in range(20):
        venv.step(np.zeros((1, 1), np.float32))
    venv.save(tmp_path / "vecnormalize.pkl")
    PPO("MlpPolicy", venv, n_steps=64, seed=0).save(tmp_path / "policy.zip")
    proc = subprocess.run([sys.executable, str(SCRIPTS / "convert_vecnormalize.py"), str(tmp_path / "vecnormalize.pkl"),
                           str(tmp_path / "policy.zip")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    policy = Policy(tmp_path / "policy.zip")
    obs = np.array([[0.5, -0.5, 3.0]], np.float32)
    np.testing.assert_allclose(policy.normalize(obs), venv.normalize_obs(obs), rtol=1e-6)


def test_benchmark_with_reoptimisation_on_a_tiny_budget(tmp_path):
    """One learner, plain PPO and PPO on the exported reward: the table has all three."""
    proc = subprocess.run([sys.executable, str(SCRIPTS / "benchmark.py"), "--envs", "Pendulum-v1", "--learners", "gail",
                           "--seeds", "0", "--steps", "2048", "--jobs", "2", "--reoptimize", "--eval-episodes", "2",
                           "--export-args", "--end-value floor", "--train-args", "--bc-epochs 2 --hyper learning_rate=0.001",
                           "--out", str(tmp_path)],
                          capture_output=True, text=True, cwd=SCRIPTS.parent, timeout=600)
    assert proc.returncode == 0, proc.stderr
    table = (tmp_path / "results.md").read_text()
    for learner in ("| gail |", "| ppo |", "| reopt-gail |"):
        assert learner in table, table
    for cell in ("gail-seed0", "ppo-seed0", "reopt-gail-seed0"):  # irl train, the plain agent, irl retrain
        peak = json.loads((tmp_path / "Pendulum-v1" / cell / "eval.json").read_text())["peak_memory_mb"]
        assert 50 < peak < 20_000, (cell, peak)  # MiB: torch + MuJoCo, not KiB or bytes
    assert "n/a |" not in table.split("\n", 2)[2], table  # every row has its peak memory
    reward = tmp_path / "Pendulum-v1" / "reopt-gail-seed0.reward"
    assert (reward / "reward.onnx").is_file()
    assert json.loads((reward / "manifest.json").read_text())["end_value"] == "floor"  # --export-args reached it
    assert not (tmp_path / "Pendulum-v1" / "gail-seed0" / "reward").exists()  # the learner run is only read
    assert (tmp_path / "curves-Pendulum-v1.png").is_file()
    pairs = (tmp_path / "reoptimization.md").read_text().splitlines()  # the fresh agent beside its imitator
    assert len(pairs) == 3, pairs  # read from the run folders, not from the command line:
    assert pairs[2].startswith("| Pendulum-v1 | GAIL | bc_epochs=2 ppo.learning_rate=0.001; export end_value=floor "
                               "| 2,048 | 1 |"), pairs
    assert (tmp_path / "reoptimization.png").is_file()


def _script(name: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPTS / name), *args], capture_output=True, text=True,
                          cwd=SCRIPTS.parent, timeout=300)


def test_benchmark_and_transfer_refuse_an_out_folder_holding_other_files(tmp_path):
    (tmp_path / "results.md").write_text("my own results")  # a name the reports use
    (tmp_path / "thesis.tex").write_text("years of work")
    for name, args in (("benchmark.py", ["--envs", "Pendulum-v1"]), ("transfer.py", ["--task", "maze"])):
        proc = _script(name, *args, "--report-only", "--out", str(tmp_path))
        assert proc.returncode == 2, (name, proc.stdout, proc.stderr)
        assert "holds files irl did not write (results.md, thesis.tex)" in proc.stderr.splitlines()[-1], proc.stderr
        assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.md", "thesis.tex"]
    assert (tmp_path / "results.md").read_text() == "my own results"


def test_benchmark_marks_its_folder_and_takes_it_back(tmp_path):
    old = tmp_path / "old"  # a benchmark folder from before the benchmark was a sweep
    old.mkdir()
    (old / "irl-folder.json").write_text(json.dumps({"format": "irl-folder", "version": 1, "kind": "benchmark",
                                                     "files": ["Pendulum-v1", "results.md"]}))
    assert _script("benchmark.py", "--envs", "Pendulum-v1", "--report-only", "--out", str(old)).returncode == 0
    assert json.loads((old / "irl-folder.json").read_text())["kind"] == "sweep"
    tmp_path = tmp_path / "new"
    assert _script("benchmark.py", "--envs", "Pendulum-v1", "--report-only", "--out", str(tmp_path)).returncode == 0
    assert json.loads((tmp_path / "irl-folder.json").read_text())["kind"] == "sweep"
    (tmp_path / "Pendulum-v1").mkdir()
    assert _script("benchmark.py", "--envs", "Pendulum-v1", "--report-only", "--out", str(tmp_path)).returncode == 0
    proc = _script("benchmark.py", "--envs", "Pendulum-v1", "--steps", "0", "--out", str(tmp_path))
    assert proc.returncode == 2 and "argument --steps" in proc.stderr


def test_benchmark_plain_cell_refuses_a_folder_holding_other_files(tmp_path):
    import pytest

    from irl.errors import RunDirError
    from irl.sweep.trial import plain_agent

    cell = tmp_path / "ppo-seed0"
    cell.mkdir()
    (cell / "thesis.tex").write_text("years of work")
    with pytest.raises(RunDirError, match=r"holds files irl did not write \(thesis.tex\)"):
        plain_agent("ppo", "Pendulum-v1", 0, 64, cell, str(SCRIPTS.parent / "demos" / "pendulum-v1.npz"))
    assert sorted(p.name for p in cell.iterdir()) == ["thesis.tex"]


def test_reward_ablation_variants_and_report(tmp_path):
    """defaults, the bundle and the bundle minus each component, each passing only its own
    options (the task's recipe supplies the rest); the report gathers finished pairs, one
    recipe per variant."""
    sys.path.insert(0, str(SCRIPTS))
    try:
        import reward_ablation
    finally:
        sys.path.remove(str(SCRIPTS))
    found = reward_ablation.variants({"a": ("--x 1", "--e"), "b": ("--y", "")})
    assert found == {"defaults": ("", ""), "bundle": ("--x 1 --y", "--e"), "bundle-no-a": ("--y", ""),
                     "bundle-no-b": ("--x 1", "--e")}
    cmd = reward_ablation.benchmark_command(found["bundle-no-b"], "Hopper-v5", "airl", [0, 1], 500, tmp_path, 1)
    assert cmd[cmd.index("--train-args") + 1] == "--x 1"
    assert cmd[cmd.index("--export-args") + 1] == "--e"  # Hopper's floor comes from its recipe's record
    assert cmd[cmd.index("--seeds") + 1: cmd.index("--steps")] == ["0", "1"]
    resets = reward_ablation.benchmark_command(reward_ablation.variants()["bundle"], "Pendulum-v1", "airl", [0],
                                               120_000, tmp_path, 1)
    assert "--policy-reset-steps 24000" in resets[resets.index("--train-args") + 1]  # a fifth of the run
    header = "task,learner,recipe,steps,seed,imitator,reoptimized,source\n"
    for variant, fresh in (("defaults", 0.2), ("bundle", 0.9)):
        folder = tmp_path / variant / "Hopper-v5"
        folder.mkdir(parents=True)
        (folder / "reoptimization.csv").write_text(header + f"Hopper-v5,airl,x,500,0,0.95,{fresh},\n")
    text = reward_ablation.report(tmp_path)
    assert "| Hopper-v5 | AIRL | bundle | 500 | 1 | 0.950 | 0.900 |" in text
    assert "| Hopper-v5 | AIRL | defaults | 500 | 1 | 0.950 | 0.200 |" in text
    assert (tmp_path / "ablation.png").is_file() and (tmp_path / "ablation.csv").is_file()
    proc = subprocess.run([sys.executable, str(SCRIPTS / "reward_ablation.py"), "--variants", "bundle-no-magic",
                           "--out", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode != 0 and "unknown variants bundle-no-magic" in proc.stderr


def test_benchmark_flags_become_a_sweep_spec():
    import importlib.util

    import pytest

    from irl.errors import IrlError

    spec = importlib.util.spec_from_file_location("benchmark_front", SCRIPTS / "benchmark.py")
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    settings, every = benchmark.train_settings("--bc-epochs 2 --hyper learning_rate=0.001 --reward neg_energy "
                                               "--ensemble 2 --no-absorbing --checkpoint-every 5")
    assert settings == {"bc_epochs": 2, "ppo": {"learning_rate": 0.001}, "policy_reward": "neg_energy",
                        "ensemble_size": 2, "absorbing": False} and every == 5
    assert benchmark.train_settings("--algo sac --hyper tau=0.01")[0] == {"algo": "sac", "sac": {"tau": 0.01}}
    assert benchmark.export_settings("--end-value floor --form shaped") == {"end_value": "floor", "form": "shaped"}
    assert benchmark.export_settings("") == {} and benchmark.export_settings("--end-value learned") == \
        {"end_value": "learned"}  # given, it overrides a recipe's floor
    with pytest.raises(IrlError, match="--train-args: seed, steps is set by the benchmark's own flags"):
        benchmark.train_settings("--steps 5 --seed 3")


def test_judge_study_reads_a_short_reoptimisation_off_the_fresh_agents_log_and_ranks_candidates(tmp_path):
    sys.path.insert(0, str(SCRIPTS))
    try:
        import judge_study
    finally:
        sys.path.remove(str(SCRIPTS))
    metrics = tmp_path / "metrics.csv"
    metrics.write_text("episode,steps,seconds,ep_return,normalized_return\n"
                       + "".join(f"{i},{i * 100},0,0,{i / 100}\n" for i in range(1, 101)))
    early = judge_study.prefix_scores(metrics, budget=10_000)  # the last 8 episodes up to 5%, 10%, 20%
    assert early == pytest.approx({"prefix_5": np.mean(np.arange(1, 6) / 100),
                                   "prefix_10": np.mean(np.arange(3, 11) / 100),
                                   "prefix_20": np.mean(np.arange(13, 21) / 100)})
    rows = [{"final": f, **dict.fromkeys(judge_study.CANDIDATES), "prefix_20": p}
            for f, p in ((0.1, 0.0), (0.5, 0.2), (0.9, 0.4))]
    text = judge_study.summary(rows)
    assert "| prefix_20 | +1.00 | 3 |" in text and "| pooled_spearman | +nan | 0 |" in text


def test_posture_tilt_of_ant_torso_quaternions():
    """Upright, tipped 60 degrees about x, on its side about y, upside down: the closed-form tilts."""
    sys.path.insert(0, str(SCRIPTS))
    from posture import angle_and_speed, tilt

    half = np.deg2rad([0.0, 60.0, 90.0, 180.0]) / 2
    quaternions = np.stack([np.cos(half), np.sin(half) * [0, 1, 0, 1], np.sin(half) * [0, 0, 1, 0],
                            np.zeros(4)], axis=1)
    quaternions[1] *= 3.0  # not of unit length: normalised first
    np.testing.assert_allclose(tilt(quaternions), np.deg2rad([0.0, 60.0, 90.0, 180.0]), atol=1e-6)
    obs = np.zeros((4, 105))
    obs[:, 1:5] = quaternions
    obs[:, 13] = [1.0, 2.0, 3.0, 4.0]
    angle, speed = angle_and_speed("Ant-v5", obs)
    np.testing.assert_allclose(angle, np.deg2rad([0.0, 60.0, 90.0, 180.0]), atol=1e-6)
    np.testing.assert_array_equal(speed, [1.0, 2.0, 3.0, 4.0])


def test_reopt_seeds_variance_share_and_names():
    """Rewards that each give one return whatever the seed: all variance between them; identical
    rewards: none; and a hand-computed mixed case."""
    sys.path.insert(0, str(SCRIPTS))
    from reopt_seeds import between_share, run_name, table

    assert between_share([[1.0, 1.0, 1.0], [-0.5, -0.5]]) == 1.0
    assert between_share([[0.0, 1.0], [0.0, 1.0]]) == 0.0
    # means 1 and 3 around 2: between 2 * 1 + 2 * 1 = 4, over the total sum of squares 8
    assert between_share([[0.0, 2.0], [2.0, 4.0]]) == pytest.approx(0.5)
    assert run_name(Path("runs/r22/Pendulum-v1/reopt-airl-seed1.reward")) == "r22_Pendulum-v1_reopt-airl-seed1"
    rows = [{"reward": "a", "seed": 0, "first": True, "normalized_return": 0.9},
            {"reward": "a", "seed": 10, "first": False, "normalized_return": 0.8},
            {"reward": "b", "seed": 1, "first": True, "normalized_return": -0.4},
            {"reward": "b", "seed": 10, "first": False, "normalized_return": -0.3}]
    text = table(rows, [10])
    assert "| `a` | 0.900 (seed 0) | 0.800 | 0.100 |" in text
    assert "Share of the variance between rewards: 0.99 (4 fresh agents, 2 rewards)" in text


def test_pendulum_reward_map_finds_the_demo_steps_a_reward_pays_most():
    """A reward paying cos(angle) puts its top demo steps upright; one paying speed, in the swing."""
    sys.path.insert(0, str(SCRIPTS))
    from pendulum_reward_map import DEMOS, state_reward, top_demo_states

    from irl.api import load_demos

    demos = load_demos(DEMOS)
    upright = lambda obs, acts, next_obs, done: obs[:, 0]  # noqa: E731
    fast = lambda obs, acts, next_obs, done: np.abs(obs[:, 2])  # noqa: E731
    assert top_demo_states(upright, demos)[0] < 0.1
    angle, speed = top_demo_states(fast, demos)
    assert angle > 0.5 and speed > 3.0
    np.testing.assert_allclose(state_reward(upright, np.array([0.0, np.pi]), np.zeros(2)), [1.0, -1.0], atol=1e-6)


def test_path_agreement_orders_a_learners_policies_as_the_reward_does():
    """On a made-up path of three stops whose true returns rise, the true reward agrees (+1),
    its negation disagrees (-1), and a reward paying the opposite of the middle stop sits between."""
    sys.path.insert(0, str(SCRIPTS))
    from path_agreement import agreement, table

    rews = np.array([-3.0, -3.0, -1.0, -1.0, 0.5, 0.5, -2.0, -0.5, 1.0, 1.0])
    path = {"obs": rews[:, None], "acts": np.zeros((10, 1)), "next_obs": rews[:, None],
            "terminated": np.zeros(10, bool), "rews": rews,
            "stop": np.array([0, 0, 1, 1, 2, 2, 0, 1, 2, 2]), "episode": np.array([0, 0, 1, 1, 2, 2, 3, 4, 5, 5])}
    true = lambda obs, acts, next_obs, done: obs[:, 0]  # noqa: E731
    assert agreement(true, path) == pytest.approx(1.0)
    assert agreement(lambda *a: -true(*a), path) == pytest.approx(-1.0)
    assert agreement(lambda *a: -np.abs(true(*a) + 1.0), path) == pytest.approx(-0.5)
    text = table([{"final": 0.9, "agreement": 0.8}, {"final": -0.4, "agreement": 0.7},
                  {"final": 0.95, "agreement": 0.9}])
    assert "| teach (fresh agent >= 0.8) | 2 | +0.85 | +0.80 | +0.90 |" in text
    assert "| do not (< 0.8) | 1 | +0.70 | +0.70 | +0.70 |" in text
    assert "+1.00 (3 rewards)" in text


def test_export_pairs_sets_one_imitators_exports_side_by_side(tmp_path):
    header = "task,learner,settings,export,steps,seed,imitator,reoptimized,ppo,overhead,date,commit,before,command\n"
    (tmp_path / "b.csv").write_text(header +
                                    "T-v0,airl,,,100,0,1.0,0.95,,,2026-01-01,abc,,run\n"
                                    "T-v0,airl,,--snapshots final,100,0,1.0,-0.1,,,2026-01-01,abc,,run\n"
                                    "T-v0,airl,,,100,1,0.8,0.5,,,2026-01-01,abc,,run\n"  # one export only: left out
                                    "T-v0,airl,,--snapshots final,100,0,1.0,0.2,,,2026-01-01,xyz,,other imitator\n")
    run = lambda *a: subprocess.run([sys.executable, str(SCRIPTS / "export_pairs.py"), "--results",  # noqa: E731
                                     str(tmp_path / "b.csv"), "--out", str(tmp_path / "p.md"), *a],
                                    capture_output=True, text=True)
    assert run("--check").returncode == 1
    assert run().returncode == 0 and run("--check").returncode == 0
    table = (tmp_path / "p.md").read_text()
    assert "| T-v0 | AIRL | 0 | 1.000 | 0.950 | -0.100 | abc |" in table and "| 1 |" not in table
    assert "0.950 over 1 imitators; 1 of them at 0.9 or more" in table
    assert "-0.100 over 1 imitators; 0 of them" in table


def test_export_pairs_course_lists_every_reward_of_the_energys_course(tmp_path):
    header = "task,learner,settings,export,steps,seed,imitator,reoptimized,ppo,overhead,date,commit,before,command\n"
    (tmp_path / "b.csv").write_text(header +
                                    "T-v0,airl,,,100,0,1.0,0.95,,,2026-01-01,abc,,run\n"
                                    "T-v0,airl,,--snapshots final,100,0,1.0,-0.1,,,2026-01-01,abc,,run\n"
                                    "T-v0,airl,,--end-value floor,100,1,0.8,0.5,,,2026-01-01,abc,,run\n"
                                    "T-v0,airl,,--snapshots all,100,2,0.9,0.91,,,2026-01-01,abc,,run\n"
                                    "T-v0,gail,,,100,0,0.7,,,,2026-01-01,abc,,imitator only\n")
    proc = subprocess.run([sys.executable, str(SCRIPTS / "export_pairs.py"), "--course", "--results",
                           str(tmp_path / "b.csv"), "--out", str(tmp_path / "c.md")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    table = (tmp_path / "c.md").read_text()
    assert "| T-v0 | AIRL | the recipe | defaults | 0 | 1.000 | 0.950 | abc |" in table
    assert "| `--end-value floor` | 1 | 0.800 | 0.500 |" in table and "| `--snapshots all` | 2 |" in table
    assert "-0.100" not in table and "GAIL" not in table
    assert "fresh agents 0.787 on average over 3 seeds, 2 at 0.9 or more; imitators 2 of 3" in table


@pytest.mark.parametrize("name, flags", [("pairs.md", []), ("course.md", ["--course"])])
def test_the_export_pairs_in_the_docs_are_the_results(name, flags):
    out = SCRIPTS.parent / "docs" / "notes" / "reward-course" / name
    proc = subprocess.run([sys.executable, str(SCRIPTS / "export_pairs.py"), "--out", str(out), "--check", *flags],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_judge_record_in_the_docs_is_its_csv():
    proc = subprocess.run([sys.executable, str(SCRIPTS / "judge_archive.py"), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_judge_record_ranks_by_the_probe_score(tmp_path):
    sys.path.insert(0, str(SCRIPTS))
    try:
        import judge_archive
    finally:
        sys.path.remove(str(SCRIPTS))
    row = {"reward": "T/a", "task": "T", "learner": "airl", "seed": "0", "export": "", "imitator": "0.9",
           "probe_steps": "100", "date": "2026-12-07", "commit": "abc1234", "command": judge_archive.COMMAND}
    rows = [{**row, "reward": f"T/{i}", "reoptimized": str(r), "learned_progress": u, "true_progress": str(v)}
            for i, (r, u, v) in enumerate([(0.9, "0.3", 0.3), (0.5, "0.5", 0.1), (-0.2, "", 0.2)])]
    assert judge_archive.spearman_of(rows) == pytest.approx(1.0)  # margins 0.3 > -0.3 > -inf
    table = judge_archive.markdown(rows)
    assert "| all | 3 | +1.000 |" in table and "| T/2 | default | 0.900 | -0.200 | 0.000 | n/a | 0.2 | 100 |" in table
