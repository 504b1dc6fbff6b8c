"""irl sweep's spec, its grid, trial names and states, the live view and the report; no Ray."""

import io
import json
import sys
from pathlib import Path

import pytest

from irl.cli import main
from irl.errors import ConfigError
from irl.rl.presets import preset
from irl.runs.config import TrainConfig
from irl.sweep.live import LiveView
from irl.sweep.spec import AXES, load_spec, parse_spec, state, trial_name, with_settings

REPO = Path(__file__).resolve().parents[1]
BASE = {"learners": ["gail"], "tasks": ["Pendulum-v1"], "seeds": [0], "steps": 1024}


def _spec(**changes):
    return parse_spec({**BASE, **changes}, base=REPO)


@pytest.mark.parametrize("changes, message", [
    ({"learner": ["gail"]}, "the spec has an unknown key 'learner'; expected learners, tasks"),
    ({"settings": {"disc_rate": 1e-3}}, "[settings] has an unknown key 'disc_rate'; expected a TrainConfig field"),
    ({"tasks": ["Walker9-v1"]}, "unknown task 'Walker9-v1': no shipped demos for it"),
    ({"seeds": []}, "seeds is empty: the grid would have no trials"),
    ({"learners": []}, "learners is empty: the grid would have no trials"),
    ({"settings": {"disc_lr": []}}, "[settings] disc_lr is an empty list: the grid would have no trials"),
    ({"settings": {"disc_lr": "fast"}}, "[settings] disc_lr: expected a number, found 'fast'"),
    ({"settings": {"energy_hidden": [64, "wide"]}}, "[settings] energy_hidden: expected a list of whole numbers"),
    ({"steps": "4k"}, "the spec steps: expected a whole number, found '4k'"),
    ({"settings": {"bc_epochs": 2.5}}, "[settings] bc_epochs: expected a whole number, found 2.5"),
    ({"settings": {"absorbing": "yes"}}, "[settings] absorbing: expected true or false, found 'yes'"),
    ({"settings": {"grad_penalty": [10, "high"]}}, "[settings] grad_penalty: expected a number (None: leave it out)"),
    ({"settings": {"seed": 3}}, "[settings] seed: set it with the spec's learners, tasks"),
    ({"settings": {"disc_lr": -1.0}}, "disc_lr must be positive, got -1.0 (trial learner=gail"),
    ({"learners": ["gail", "bc"]}, "learners: expected some of gail, airl, gcl, found 'bc'"),
    ({"recipe": "no-such-recipe"}, "no-such-recipe"),
    ({"export": {"end_value": "zero"}}, "[export] end_value: expected one of learned, floor, found 'zero'"),
    ({"search": {"num_samples": 4, "space": {"disc_lr": {"normal": [0, 1]}}}}, "[search.space] disc_lr: expected one"),
    ({"search": {"num_samples": 4, "space": {"disc_lr": {"loguniform": [0, 1]}}}}, "low > 0, found [0, 1]"),
    ({"search": {"num_samples": 4, "space": {"q_floor": {"uniform": [0.0, 0.5]}}}},
     "q_floor mixes into the generator density q; GAIL has none"),  # every bound makes a valid run
    ({"ppo_baseline": True, "search": {"num_samples": 4, "space": {"disc_lr": {"uniform": [1e-4, 1e-3]}}}},
     "a search runs the learner's trials only"),
    ({"seeds": [0, 1], "search": {"num_samples": 4, "space": {"disc_lr": {"uniform": [1e-4, 1e-3]}}}},
     "a search tunes one learner on one task and seed"),
])
def test_a_bad_spec_is_one_line_error_before_anything_runs(changes, message):
    with pytest.raises(ConfigError) as info:
        _spec(**changes)
    assert message in str(info.value) and "\n" not in str(info.value), str(info.value)


def test_the_cli_prints_a_bad_spec_in_one_line_and_writes_nothing(tmp_path, capsys):
    spec = tmp_path / "bad.toml"
    spec.write_text('learners = ["gail"]\ntasks = ["Pendulum-v1"]\nseeds = [0]\nsteps = 64\n[settings]\nlr = 1\n')
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err == f"irl: error: {spec}: [settings] has an unknown key 'lr'; expected a TrainConfig field ({_fields()})\n"
    assert not (tmp_path / "out").exists()
    spec.write_text("learners = [")
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"irl: error: {spec} is not valid TOML: ") and err.count("\n") == 1


def _fields() -> str:
    from dataclasses import fields

    from irl.runs.config import TrainConfig

    return ", ".join(f.name for f in fields(TrainConfig) if f.name not in AXES)


def test_without_ray_the_cli_says_how_to_install_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    assert main(["sweep", str(REPO / "scripts/sweeps/pendulum-smoke.toml"), "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == ('irl: error: irl sweep runs on Ray Tune, which is not installed: '
                                       'pip install "irl[ray]" (ray[tune] and optuna)\n')
    assert not (tmp_path / "out").exists()


def test_the_grid_is_every_learner_task_seed_and_setting_and_names_only_what_varies():
    spec = _spec(learners=["gail", "airl"], seeds=[0, 1], ppo_baseline=True, reoptimize=True,
                 settings={"disc_lr": [1e-3, 3e-4], "bc_epochs": 2, "energy_hidden": [32, 32],
                           "ppo": [{"n_steps": 64}, {"n_steps": 128}]}, export={"end_value": "floor"})
    learners = [t for t in spec.trials if not t.plain]
    assert len(learners) == 2 * 2 * 2 * 2 and len(spec.trials) == len(learners) + 2  # + plain PPO per seed
    first = learners[0]
    assert first.key == "Pendulum-v1/gail-disc_lr=0.001-ppo=n_steps=64-seed0"
    assert first.config["bc_epochs"] == 2 and first.config["energy_hidden"] == [32, 32]  # one value, not an axis
    assert first.config["demos"] == str((REPO / "demos" / "pendulum-v1.npz").resolve())  # the shipped set
    assert first.reoptimize and first.export == {"end_value": "floor"}
    assert first.config["export"] == {"end_value": "floor"}  # what its run learns with (a frozen reward's end)
    assert sorted(t.name for t in spec.trials if t.plain) == ["ppo-seed0", "ppo-seed1"]
    # the learners' PPO settings differ: the plain agent takes the task's recipe's
    assert all(t.config["hyper"] == preset("ppo", "Pendulum-v1") for t in spec.trials if t.plain)
    assert len({t.key for t in spec.trials}) == len(spec.trials)
    assert _spec(settings={"energy_hidden": [[32], [64, 64]]}).trials[1].name == "gail-energy_hidden=64x64-seed0"


@pytest.mark.parametrize("changes", [{"recipe": "generic"}, {"settings": {"ppo": {"n_steps": 128}}},
                                     {"recipe": "none", "learners": ["gail", "airl"]}])
def test_the_plain_agent_trains_with_the_learners_inner_loop_settings(changes):
    """Beside each task, plain PPO is the ceiling and the overhead's denominator: it takes the
    PPO settings its learners resolved (the spec's recipe and [settings]), not the task's recipe."""
    spec = _spec(ppo_baseline=True, **changes)
    [plain] = [t for t in spec.trials if t.plain]
    learner = next(t for t in spec.trials if not t.plain)
    hyper = plain.config["hyper"]
    assert hyper == TrainConfig.from_json(json.dumps(learner.config)).hyper
    assert hyper != preset("ppo", "Pendulum-v1")  # Pendulum's recipe: rl-zoo3's PPO, 4 envs, gSDE
    if "settings" in changes:
        assert hyper == {**preset("ppo", "Pendulum-v1"), "n_steps": 128}
    else:
        assert hyper["n_envs"] == 1 and "use_sde" not in hyper


def test_the_plain_trial_hands_its_settings_to_the_agent(tmp_path, monkeypatch):
    from irl.sweep import trial as trial_module

    [plain] = [t for t in _spec(ppo_baseline=True, recipe="generic").trials if t.plain]
    seen = {}

    def plain_agent(algo, env_id, seed, steps, out, demos, **kwargs):
        seen.update(kwargs)
        out.mkdir(parents=True)
        (out / "eval.json").write_text(json.dumps({"normalized_return": 1.0}))

    monkeypatch.setattr(trial_module, "plain_agent", plain_agent)
    trial_module._plain(plain, tmp_path, lambda row: None, 0.01)
    assert seen["hyper"] == plain.config["hyper"] == {"n_envs": 1, "normalize_obs": True}


def test_trials_take_the_task_recipe_as_irl_train_does_and_the_spec_settings_over_it():
    """A trial's config is the one ``irl train`` resolves: the task's recipe, then the spec's settings."""
    from irl.runs.recipes import resolve

    spec = _spec(learners=["airl"], tasks=["HalfCheetah-v5"], settings={"disc_lr": 3e-4, "ppo": {"n_epochs": 5}})
    config = spec.trials[0].config
    expected = resolve("airl", "HalfCheetah-v5", demos=config["demos"], total_steps=BASE["steps"],
                       given={"disc_lr": 3e-4, "seed": 0}, hyper={"n_epochs": 5}, given_source="sweep spec")
    assert config == json.loads(expected.config.to_json(expected.sources))  # config.json records each source
    assert config["bc_epochs"] == 100 and config["ppo"]["learning_rate"] == "lin_2.0633e-05"  # the recipe's
    assert config["disc_lr"] == 3e-4 and config["ppo"]["n_epochs"] == 5  # the spec's, over it
    bare = _spec(learners=["airl"], tasks=["HalfCheetah-v5"], recipe="none").trials[0].config
    assert bare["bc_epochs"] == 0 and "learning_rate" not in bare["ppo"]
    hopper = _spec(learners=["gcl"], tasks=["Hopper-v5"]).trials[0].config  # its recipe's [gcl.export]
    assert hopper["export"] == {"end_value": "floor"} and "export" not in config
    shaped = _spec(learners=["gcl"], tasks=["Hopper-v5"], export={"form": "shaped"}).trials[0].config
    assert shaped["export"] == {"end_value": "floor", "form": "shaped"}  # the spec's [export] over the recipe's


def test_trial_names_are_folder_safe_and_search_samples_name_their_trial():
    assert trial_name("airl", {"disc_lr": 0.000312345, "policy_reward": "neg_energy"}, 3) == \
        "airl-disc_lr=0.0003123-policy_reward=neg_energy-seed3"
    assert "/" not in trial_name("gail", {"ppo": {"learning_rate": "a/b"}}, 0)
    spec = _spec(learners=["airl"], search={"num_samples": 3, "space": {"disc_lr": {"loguniform": [1e-4, 1e-2]}}})
    assert spec.search.num_samples == 3 and spec.search.space == {"disc_lr": ("loguniform", [1e-4, 1e-2])}
    sampled = with_settings(spec.trials[0], {"disc_lr": 0.00123456})
    assert sampled.name == "airl-disc_lr=0.001235-seed0" and sampled.config["disc_lr"] == 0.00123456


def _fake_run(run: Path, config: dict, *, checkpoint=False, finished=False):
    run.mkdir(parents=True)
    (run / "config.json").write_text(json.dumps(config))
    if checkpoint:
        (run / "checkpoint").mkdir()
        (run / "checkpoint" / "state.json").write_text("{}")
    if finished:
        (run / "eval.json").write_text("{}")


def test_states_finished_resume_new_and_a_conflicting_run(tmp_path):
    trial = _spec(reoptimize=True).trials[0]
    assert state(trial, tmp_path) == "new"
    _fake_run(trial.run(tmp_path), trial.config, checkpoint=True)
    assert state(trial, tmp_path) == "resume"
    (trial.run(tmp_path) / "eval.json").write_text("{}")
    assert state(trial, tmp_path) == "resume"  # trained, its reward not yet re-optimised
    trial.reopt(tmp_path).mkdir()
    (trial.reopt(tmp_path) / "eval.json").write_text("{}")
    assert state(trial, tmp_path) == "finished"
    longer = _spec(steps=2048, reoptimize=True).trials[0]
    assert state(longer, tmp_path) == "resume"  # a larger budget trains the finished run further
    other = _spec(settings={"disc_lr": 0.01}).trials[0]
    with pytest.raises(ConfigError, match=r"gail-seed0 was trained with other settings \(disc_lr: 0.001 there, "
                                          r"0.01 in the spec\)"):
        state(other, tmp_path)


def test_the_live_view_prints_one_line_per_change_of_state_when_not_a_terminal():
    stream = io.StringIO()
    view = LiveView(stream, live=False)
    view.add("Pendulum-v1/gail-seed0", "gail-seed0", "Pendulum-v1")
    view.update("Pendulum-v1/gail-seed0", state="running")
    view.update("Pendulum-v1/gail-seed0", state="running", score=0.25, steps=1024)  # no new state: no line
    view.update("Pendulum-v1/gail-seed0", state="done", score=0.5)
    lines = stream.getvalue().splitlines()
    assert [line.split()[1] for line in lines] == ["pending", "running", "done"]
    assert lines[-1].endswith("gail-seed0  Pendulum-v1  score 0.500  1,024 steps")
    assert view.counts() == {"done": 1}
    live = io.StringIO()
    view = LiveView(live, live=True)
    view.add("a/x-seed0", "x-seed0", "a")
    view.update("a/x-seed0", state="failed", note="boom")
    view.close()
    assert "1 failed" in live.getvalue() and "x-seed0" in live.getvalue()


@pytest.mark.parametrize("path", sorted((REPO / "scripts" / "sweeps").glob("*.toml")), ids=lambda p: p.name)
def test_shipped_specs_are_valid(path):
    assert load_spec(path).trials


def _finished(run: Path, files: dict):
    run.mkdir(parents=True)
    for name, content in files.items():
        (run / name).write_text(json.dumps(content))


def test_the_report_orders_rows_as_the_spec_and_pairs_each_reward_with_its_imitator(tmp_path):
    from irl.sweep.report import write_report

    spec = _spec(learners=["gail", "airl"], ppo_baseline=True, reoptimize=True)
    scores = {"expert_return": -100.0, "random_return": -1100.0}
    for t in spec.trials:
        seconds = 10.0 if t.plain else 30.0 if t.learner == "gail" else 50.0
        result = {"env_id": t.task, "return_mean": -600.0, "return_std": 1.0, "normalized_return": 0.5,
                  "train_seconds": seconds, "steps_per_second": 1.0, "peak_memory_mb": 400.0, **scores}
        _finished(t.run(tmp_path), {"eval.json": result, **({} if t.plain else {"config.json": t.config})})
        if t.reoptimize:
            _finished(t.reopt(tmp_path), {"retrain.json": {"env_id": t.task}, "eval.json": {**result, "normalized_return": 0.25}})
    text = write_report(tmp_path, [t.key for t in spec.trials])
    rows = [line.split(" | ")[1] for line in text.splitlines() if line.startswith("| Pendulum-v1")]
    assert rows == ["gail", "airl", "reopt-gail", "reopt-airl", "ppo", "GAIL", "AIRL"], text  # + the pairs table
    assert "| Pendulum-v1 | airl | 1 | 0.500 ± 0.000 | 0.500 | -600.0 | -100.0 | -1100.0 | 50 | 5.00x | 400 |" in text
    assert "| Pendulum-v1 | AIRL | defaults | 1,024 | 1 | 0.500 | 0.250 | 0: 0.500 → 0.250 |" in text
    assert (tmp_path / "reoptimization.png").is_file() and (tmp_path / "curves-Pendulum-v1.png").is_file()
