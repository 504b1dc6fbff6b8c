"""Recipes: the shipped files, validation on load, precedence default < recipe < command
line, where each setting came from, --recipe / --no-recipe, the generic recipe, resuming,
``irl recipes`` and scripts/recipe_results.py."""

import importlib.util
import json
from importlib import resources
from pathlib import Path

import pytest

from irl.errors import ConfigError
from irl.rl.presets import IRL_DEFAULTS, task_recipe_file
from irl.runs.config import TrainConfig
from irl.runs.recipes import (
    describe_measurement,
    find_recipe,
    load_recipe,
    packaged_recipes,
    resolve,
)
from tests.conftest import SHIPPED_PENDULUM

REPO = Path(__file__).resolve().parents[1]
BEFORE = json.loads((Path(__file__).parent / "data" / "presets-before-recipes.json").read_text())
SHIPPED = {"generic", "halfcheetah-v5", "hopper-v5", "irl-ant", "irl-pointmaze", "pendulum-v1", "swimmer-v5",
           "walker2d-v5"}


def cli(monkeypatch, *argv: str) -> TrainConfig:
    """The TrainConfig and sources ``irl ARGV`` hands to irl.api.train (nothing trained)."""
    import irl.api
    from irl.cli import main

    seen = {}
    monkeypatch.setattr(irl.api, "train", lambda config, out, **kwargs: seen.update(config=config, **kwargs) or {})
    monkeypatch.setattr("irl.cli._print_eval", lambda result: None)
    assert main(list(argv)) == 0
    return seen["config"], seen["sources"]


def train_args(tmp_path, learner: str, env_id: str, *flags: str) -> list[str]:
    return ["train", learner, "--env", env_id, "--demos", "d.npz", "--out", str(tmp_path / "run"), *flags]


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


# --- the shipped files ---------------------------------------------------------------

def test_the_recipes_ship_as_package_data():
    names = {p.name for p in resources.files("irl.recipes").iterdir() if p.name.endswith(".toml")}
    assert names == {f"{n}.toml" for n in SHIPPED}
    assert {r.name for r in packaged_recipes()} == SHIPPED  # each one valid
    for algo in ("ppo", "sac"):  # every task that had a preset has a recipe of its own
        assert all(task_recipe_file(env_id) is not None for env_id in BEFORE[algo])
    assert task_recipe_file("CartPole-v1") is None


def test_the_halfcheetah_recipe_holds_the_measured_flags():
    r = find_recipe("HalfCheetah-v5")
    assert r.settings("gail", "ppo") == {"bc_epochs": 100}
    assert r.settings("airl", "ppo") == {"bc_epochs": 100, "policy_reward": "neg_energy"}
    assert r.rl("airl", "ppo")["learning_rate"] == r.own_rl("airl", "ppo")["learning_rate"] == "lin_2.0633e-05"
    assert r.settings("gcl", "ppo") == {"bc_epochs": 100, "policy_reward": "neg_energy", "entropy_weight": 0.05,
                                        "grad_penalty": 10.0}
    assert r.settings("airl", "sac") == {} and r.own_rl("airl", "sac") == {}  # measured with PPO only
    hopper = find_recipe("hopper-v5")
    assert hopper.settings("gcl", "ppo") == {"entropy_weight": 0.05, "grad_penalty": 10.0, "policy_reward": "softplus"}
    assert hopper.export("airl") == {"end_value": "floor"} and hopper.export("gail") == {}


# --- validation ----------------------------------------------------------------------

@pytest.mark.parametrize("text, fragment", [
    ("tasks = ['X-v0']\ncolour = 3\n", "unknown key 'colour'"),
    ("[gail]\nbc_epoch = 100\n", "[gail]: unknown setting 'bc_epoch' (expected a TrainConfig field"),
    ("[gail]\nbc_epochs = '100'\n", "[gail].bc_epochs: expected a whole number, found '100'"),
    ("[airl]\ngrad_penalty = true\n", "[airl].grad_penalty: expected a number, found True"),
    ("[gail]\nlearner = 'airl'\n", "[gail]: unknown setting 'learner'"),
    ("[ppo]\nn_step = 512\n", "[ppo]: unknown PPO setting 'n_step'"),
    ("[ppo]\nn_steps = 51.2\n", "[ppo].n_steps: expected a whole number, found 51.2"),
    ("[airl.sac]\nlearning_starts = 'soon'\n", "[airl.sac].learning_starts: expected a whole number"),
    ("[bc]\nepochs = 3\n", "unknown key 'bc'"),
    ("[gail]\nentropy_weight = 0.05\n", "[gail] with ppo: entropy_weight scales the generator density term"),
    ("[gail.sac]\nentropy_weight = 0.05\n", "[gail] with sac: entropy_weight scales the generator density term"),
    ("[gail.ppo]\nbc_epochs = 1.5\n", "[gail.ppo].bc_epochs: expected a whole number, found 1.5"),
    ("[gail.ppo]\nbc_epoch = 1\n", "[gail.ppo]: unknown PPO setting 'bc_epoch'"),
    ("[gail.ppo]\nround_steps = 100\n", "[gail.ppo]: unknown PPO setting 'round_steps'"),
    ("[hopper.export]\nend_value = 'floor'\n", "unknown key 'hopper'"),
    ("[airl.export]\nend_value = 'ceiling'\n", "[airl.export].end_value: expected one of ('learned', 'floor')"),
    ("[[measured]]\nlearner = 'airl'\nalgo = 'ppo'\nsteps = 1000\n", "missing 'score'"),
    ("[[measured]]\nlearner = 'bc'\nalgo = 'ppo'\nscore = 0.9\n", "expected a learner in"),
    ("[[measured]]\nlearner = 'gail'\nalgo = 'ppo'\nscore = '0.9'\n", "measured[0].score: expected a number"),
    ("tasks = 'X-v0'\n", "tasks: expected an array of env ids"),
    ("[gail\nbc_epochs = 1\n", "not valid TOML"),
])
def test_a_bad_recipe_is_one_line_naming_the_file_and_the_key(tmp_path, text, fragment):
    path = write(tmp_path / "mine.toml", text)
    with pytest.raises(ConfigError) as info:
        load_recipe(path)
    message = str(info.value)
    assert message.startswith(str(path)) and fragment in message and "\n" not in message, message


def test_the_cli_shows_a_bad_recipe_as_one_line(tmp_path, capsys):
    from irl.cli import main

    path = write(tmp_path / "mine.toml", "[gail]\nbc_epochs = -1\n")
    assert main(train_args(tmp_path, "gail", "Pendulum-v1", "--recipe", str(path))) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("irl: error:") and str(path) in err and "bc_epochs" in err
    assert main(train_args(tmp_path, "gail", "Pendulum-v1", "--recipe", "no-such-recipe")) == 2
    assert "no recipe named 'no-such-recipe'" in capsys.readouterr().err
    assert main(train_args(tmp_path, "gail", "Pendulum-v1", "--hyper", "n_stepz=5")) == 2
    assert "unknown PPO setting 'n_stepz'" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


# --- precedence and sources ----------------------------------------------------------

def test_a_flag_given_beats_the_recipe_which_beats_the_default(monkeypatch, tmp_path, capsys):
    config, sources = cli(monkeypatch, *train_args(tmp_path, "airl", "HalfCheetah-v5", "--bc-epochs", "5",
                                                    "--disc-lr", "1e-3", "--hyper", "n_epochs=3"))
    assert config.bc_epochs == 5 and sources["bc_epochs"] == "command line"  # given: beats the recipe's 100
    assert config.policy_reward == "neg_energy" and sources["policy_reward"] == "recipe irl/recipes/halfcheetah-v5.toml"
    assert config.disc_lr == 1e-3 and sources["disc_lr"] == "command line"  # given, though equal to the default
    assert config.disc_epochs == 2.0 and sources["disc_epochs"] == "default"
    assert config.hyper["n_epochs"] == 3 and sources["ppo.n_epochs"] == "command line"
    assert config.hyper["learning_rate"] == "lin_2.0633e-05" and sources["ppo.learning_rate"].startswith("recipe")
    assert config.hyper["gamma"] == 0.98 and sources["ppo.gamma"].startswith("recipe")
    assert sources["total_steps"] == "default" and config.total_steps == 1_000_000
    out = capsys.readouterr().out
    assert "recipe: irl/recipes/halfcheetah-v5.toml; AIRL with PPO measured at " in out
    assert describe_measurement(find_recipe("halfcheetah-v5").measurement("airl", "ppo")) in out


def test_no_recipe_trains_with_the_defaults(monkeypatch, tmp_path, capsys):
    config, sources = cli(monkeypatch, *train_args(tmp_path, "airl", "HalfCheetah-v5", "--no-recipe"))
    plain = TrainConfig(learner="airl", env_id="HalfCheetah-v5", demos="d.npz", total_steps=1_000_000)
    assert (config.bc_epochs, config.policy_reward) == (0, None)
    assert config.hyper == IRL_DEFAULTS["ppo"] and config.hyper != plain.hyper  # SB3's, not the recipe's
    assert not [k for k, v in sources.items() if v.startswith("recipe")]
    assert "recipe: none (--no-recipe)" in capsys.readouterr().out


def test_a_users_own_recipe_file_works_as_a_shipped_one(monkeypatch, tmp_path, capsys):
    mine = write(tmp_path / "walker-mine.toml", "tasks = ['Walker2d-v5']\n[ppo]\nn_steps = 256\n"
                                                "[gail]\ndisc_lr = 3e-4\nenergy_hidden = [32, 32]\n")
    config, sources = cli(monkeypatch, *train_args(tmp_path, "gail", "Walker2d-v5", "--recipe", str(mine)))
    assert (config.disc_lr, config.energy_hidden) == (3e-4, (32, 32))
    assert config.hyper == {**IRL_DEFAULTS["ppo"], "n_steps": 256}  # the shipped walker2d recipe is not read
    assert sources["disc_lr"] == sources["ppo.n_steps"] == f"recipe {mine}"
    assert f"recipe: {mine}; GAIL with PPO not measured" in capsys.readouterr().out
    other, _ = cli(monkeypatch, *train_args(tmp_path, "gail", "Walker2d-v5", "--recipe", "Hopper-v5"))
    assert other.hyper["n_steps"] == 2048  # another task's recipe, by its task


def test_a_task_without_a_recipe_trains_with_the_generic_one_and_one_warning(monkeypatch, tmp_path, capsys):
    config, sources = cli(monkeypatch, *train_args(tmp_path, "gail", "CartPole-v1"))
    err = [line for line in capsys.readouterr().err.splitlines() if line]
    assert len(err) == 1 and err[0].startswith("irl: warning: no recipe for CartPole-v1") and "generic.toml" in err[0]
    assert sources["ppo.normalize_obs"] == "default" and config.hyper == IRL_DEFAULTS["ppo"]


def test_the_python_api_applies_a_recipe_only_through_resolve():
    plain = TrainConfig(learner="airl", env_id="HalfCheetah-v5", demos="d.npz", total_steps=1000)
    assert plain.bc_epochs == 0 and plain.hyper["learning_rate"] == 2.0633e-05  # the task's [ppo] only
    r = resolve("airl", "HalfCheetah-v5", demos="d.npz", total_steps=1000, given={"seed": 3})
    assert (r.config.bc_epochs, r.config.seed, r.config.hyper_base) == (100, 3, "sb3")
    assert r.sources["seed"] == "command line" and r.recipe.name == "halfcheetah-v5"
    with pytest.raises(ConfigError, match="given: 'bc_epoch' is not a setting"):
        resolve("airl", "HalfCheetah-v5", demos="d.npz", total_steps=1000, given={"bc_epoch": 1})


# --- runs: config.json and resuming ----------------------------------------------------

TINY = """tasks = ["Pendulum-v1"]
[ppo]
n_envs = 1
normalize_obs = false
n_steps = 64
batch_size = 64
n_epochs = 1
[gail]
disc_lr = {disc_lr}
"""


def test_config_json_records_sources_and_a_resume_never_rereads_the_recipe(monkeypatch, tmp_path, capsys):
    """A run trained with a recipe keeps its settings, and the export settings the recipe named,
    when the recipe changes afterwards; irl export applies those unless a flag says otherwise."""
    import irl.runs.recipes
    from irl.cli import main
    from irl.rewards.artifact import load_reward
    from irl.runs.config import EXPORT, SOURCES

    recipe = write(tmp_path / "pendulum.toml", TINY.format(disc_lr=2e-3) + "[gail.export]\nend_value = 'floor'\n")
    monkeypatch.setattr(irl.runs.recipes, "task_recipe_file", lambda env_id: recipe)
    out = tmp_path / "run"
    args = ["train", "gail", "--env", "Pendulum-v1", "--demos", str(SHIPPED_PENDULUM), "--out", str(out),
            "--eval-episodes", "1", "--no-progress", "--checkpoint-every", "1"]
    assert main([*args, "--steps", "128", "--seed", "4"]) == 0
    saved = json.loads((out / "config.json").read_text())
    assert saved["disc_lr"] == 2e-3 and saved["ppo"]["n_steps"] == 64 and saved["hyper_base"] == "sb3"
    assert saved[SOURCES]["disc_lr"] == f"recipe {recipe}" and saved[SOURCES]["seed"] == "command line"
    assert saved[SOURCES]["eval_episodes"] == "command line" and saved[SOURCES]["disc_epochs"] == "default"
    assert saved[EXPORT] == {"end_value": "floor"}
    assert f"irl export {out} --out REWARD exports its reward as the recipe says (--end-value floor)" \
        in capsys.readouterr().out

    write(recipe, TINY.format(disc_lr=5e-1).replace("n_steps = 64", "n_steps = 128"))
    capsys.readouterr()
    assert main([*args, "--steps", "256", "--seed", "4", "--resume"]) == 0, capsys.readouterr().err
    resumed = json.loads((out / "config.json").read_text())
    assert resumed["disc_lr"] == 2e-3 and resumed["ppo"]["n_steps"] == 64 and resumed["total_steps"] == 256
    assert resumed[SOURCES]["disc_lr"] == f"recipe {recipe}" and set(resumed[SOURCES]) == set(saved[SOURCES])
    assert resumed[EXPORT] == {"end_value": "floor"}  # the edited recipe names no export any more
    assert "no recipe is read" in capsys.readouterr().out

    assert main(["export", str(out), "--out", str(tmp_path / "as-recipe")]) == 0
    assert "as the run's recipe says (its config.json): --end-value floor" in capsys.readouterr().out
    assert load_reward(tmp_path / "as-recipe").manifest["end_value"] == "floor"
    assert main(["export", str(out), "--out", str(tmp_path / "flag"), "--end-value", "learned"]) == 0
    assert "recipe says" not in capsys.readouterr().out
    assert load_reward(tmp_path / "flag").manifest["end_value"] == "learned"
    assert main([*args, "--steps", "512", "--resume", "--no-recipe"]) == 2
    assert "--recipe and --no-recipe are for new runs" in capsys.readouterr().err
    assert main([*args, "--steps", "512", "--resume", "--disc-lr", "0.1"]) == 2  # a flag given still counts
    assert "disc_lr: 0.002 there, 0.1 now" in capsys.readouterr().err


# --- irl recipes -----------------------------------------------------------------------

def test_irl_recipes_lists_every_recipe_with_its_measured_scores(capsys):
    from irl.cli import main

    assert main(["recipes"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["recipe", "tasks", "learner", "algo"]
    assert {line.split()[0] for line in lines[1:] if line and not line.startswith(" ")} >= SHIPPED
    for recipe in packaged_recipes():
        for m in recipe.measured:
            row = [line for line in lines if describe_measurement(m) in line]
            assert len(row) == 1 and f" {m['learner']} " in row[0], (recipe.name, m)
    assert any("--bc-epochs 100 --reward neg_energy --hyper learning_rate=lin_2.0633e-05" in line for line in lines)


def test_irl_recipes_show_prints_one(capsys):
    from irl.cli import main

    assert main(["recipes", "--show", "hopper-v5"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# irl/recipes/hopper-v5.toml\n") and 'end_value = "floor"' in out
    assert main(["recipes", "--show", "Nope-v0"]) == 2
    assert "no recipe named 'Nope-v0'" in capsys.readouterr().err


# --- scripts/recipe_results.py ----------------------------------------------------------

def recipe_results():
    """scripts/recipe_results.py as a module."""
    spec = importlib.util.spec_from_file_location("recipe_results", REPO / "scripts" / "recipe_results.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def results_script(*args: str) -> int:
    """scripts/recipe_results.py ARGS, in this process (its exit status)."""
    return recipe_results().main(list(args))


def test_the_shipped_recipes_match_their_results_files(capsys):
    assert results_script("--check") == 0, capsys.readouterr()


COLUMNS = "task,learner,settings,export,steps,seed,imitator,reoptimized,date,commit,before,command\n"


def test_recipe_results_writes_the_rows_measured_with_the_recipe_and_check_sees_a_change(tmp_path, capsys):
    folder = tmp_path / "recipes"
    folder.mkdir()
    results = write(tmp_path / "results.csv", COLUMNS +
                    "X-v0,gail,--bc-epochs 3 --hyper n_epochs=5,,1000,1,0.5,0.2,2026-01-02,abc1234,,run A\n"
                    "X-v0,gail,--hyper n_epochs=5 --bc-epochs=3,,1000,0,0.7,0.4,2026-01-02,abc1234,,run A\n"
                    "X-v0,gail,--bc-epochs 3 --hyper n_epochs=5,,1000,2,0.1,,2025-12-01,0aa0000,abc1234,old code\n"
                    "X-v0,gail,--bc-epochs 4 --hyper n_epochs=5,,1000,3,0.1,,2026-01-02,abc1234,,other flags\n"
                    "X-v0,gail,--bc-epochs 3 --hyper n_epochs=5 --algo sac,,1000,3,0.1,,2026-01-02,abc1234,,sac\n"
                    "X-v0,gail,--bc-epochs 3 --hyper n_epochs=5,--end-value floor,1000,3,0.1,0.9,2026-01-02,abc1234,,exp\n"
                    "Y-v0,gail,--bc-epochs 3 --hyper n_epochs=5,,1000,3,0.1,,2026-01-02,abc1234,,other task\n"
                    "X-v0,airl,,,2000,0,0.9,,2026-01-03,abc1234,,run B\n")
    recipe = write(folder / "x.toml", "tasks = ['X-v0']\n[gail.ppo]\nbc_epochs = 3\nn_epochs = 5\n\n# measured\n")
    args = ("--recipes", str(folder), "--results", str(results))
    assert results_script(*args, "--check") == 1
    assert results_script(*args) == 0
    gail, airl = load_recipe(recipe).measurement("gail", "ppo"), load_recipe(recipe).measurement("airl", "ppo")
    # the exported reward of seed 3 is not the recipe's (--end-value floor): its imitator counts, its fresh agent not
    assert (gail["seeds"], gail["per_seed"], gail["score"], gail["score_std"], gail["reoptimized"]) == \
        ([0, 1, 3], [0.7, 0.5, 0.1], 0.433, 0.249, 0.3)
    assert (gail["steps"], gail["commit"], gail["date"], gail["command"]) == \
        (1000, "abc1234", "2026-01-02", "run A; exp")
    assert (airl["seeds"], airl["score"], airl["command"]) == ([0], 0.9, "run B") and "score_std" not in airl
    assert "# No measurement on the current code of gcl/ppo, gail/sac, airl/sac, gcl/sac." in recipe.read_text()
    assert results_script(*args, "--check") == 0
    results.write_text(results.read_text().replace(",0.5,", ",0.4,"))
    capsys.readouterr()
    assert results_script(*args, "--check") == 1 and "out of date" in capsys.readouterr().out
    results.write_text(results.read_text().replace("--bc-epochs 4", "--bc-epochz 4"))
    assert results_script(*args, "--check") == 2
    assert "are not irl train flags" in capsys.readouterr().err


def test_quickstart_trains_with_the_pendulum_recipe_as_before(monkeypatch, tmp_path, capsys):
    config, sources = cli(monkeypatch, "quickstart", "--out", str(tmp_path / "q"), "--seed", "2")
    plain = TrainConfig(learner="airl", env_id="Pendulum-v1", demos=config.demos, total_steps=120_000, seed=2)
    assert json.loads(json.dumps(config.hyper)) == BEFORE["ppo"]["Pendulum-v1"] and config.hyper == plain.hyper
    assert {k: v for k, v in vars(config).items() if k not in ("ppo", "hyper_base")} == \
        {k: v for k, v in vars(plain).items() if k not in ("ppo", "hyper_base")}
    assert sources["ppo.gamma"] == "recipe irl/recipes/pendulum-v1.toml" and sources["seed"] == "irl quickstart"
    m = find_recipe("pendulum-v1").measurement("airl", "ppo")
    line = f"recipe: irl/recipes/pendulum-v1.toml; AIRL with PPO measured at {describe_measurement(m)} normalised"
    assert line in capsys.readouterr().out


def test_the_results_headline_rows_are_the_recipes():
    """docs/results/headline.csv picks the README's rows by their irl train flags: those flags are
    the recipe's for each task and learner (with PPO), so the headline shows what irl train runs."""
    import csv

    module = recipe_results()
    with (REPO / "docs" / "results" / "headline.csv").open(newline="") as f:
        headline = list(csv.DictReader(f))
    assert headline
    for row in headline:
        recipe = find_recipe(row["task"])
        algo, settings, hyper = module.train_flags(row, "headline.csv")
        assert (algo, settings, hyper) == ("ppo", recipe.settings(row["learner"], "ppo"),
                                           recipe.own_rl(row["learner"], "ppo")), row


def test_a_run_saved_before_recipes_keeps_its_task_preset(tmp_path):
    """config.json written before recipes has no hyper_base: its ppo / sac override the task's table."""
    from irl.runs.config import settings_that_differ

    old = json.loads(TrainConfig(learner="gail", env_id="Hopper-v5", demos="d.npz", total_steps=10,
                                 ppo={"n_epochs": 3}).to_json())
    del old["hyper_base"]
    config = TrainConfig.from_json(json.dumps(old))
    assert json.loads(json.dumps(config.hyper)) == {**BEFORE["ppo"]["Hopper-v5"], "n_epochs": 3}
    assert settings_that_differ(old, json.loads(config.to_json())) == []


def test_recipe_results_pools_commits_on_the_current_code_and_counts_each_seed_once(tmp_path):
    folder = tmp_path / "recipes"
    folder.mkdir()
    results = write(tmp_path / "results.csv", COLUMNS +
                    "X-v0,gail,,,1000,0,0.2,,2026-01-02,abc1234,,run A\n"
                    "X-v0,gail,,,1000,1,0.6,,2026-01-02,abc1234,,run A\n"
                    "X-v0,gail,,,1000,0,0.4,,2026-01-03,def5678,,run B\n")  # seed 0 again, newer
    recipe = write(folder / "x.toml", "tasks = ['X-v0']\n\n# measured\n")
    assert results_script("--recipes", str(folder), "--results", str(results)) == 0
    gail = load_recipe(recipe).measurement("gail", "ppo")
    assert (gail["seeds"], gail["per_seed"], gail["score"]) == ([0, 1], [0.4, 0.6], 0.5)
    assert (gail["commit"], gail["command"], gail["date"]) == ("def5678, abc1234", "run B; run A", "2026-01-03")  # seed order
