"""A sweep's spec (TOML) and the trials it expands to; pure logic, no Ray.

    learners = ["gail", "airl"]        # the grid: every learner x task x seed x setting
    tasks = ["Pendulum-v1"]            # Gymnasium ids with shipped demos, or given under [demos]
    seeds = [0, 1]
    steps = 4096                       # environment steps of every run
    ppo_baseline = true                # + plain PPO (SAC where algo = "sac") on the true reward
    reoptimize = true                  # + export each reward and train fresh PPO on it alone
    checkpoint_every = 10              # rounds between a run's checkpoints
    recipe = "task"                    # each task's recipe, as irl train applies it; "none", or a name or file

    [settings]                         # any TrainConfig field: a value, or a list of values (a grid axis)
    disc_lr = [1e-3, 3e-4]
    ppo = { n_steps = 256 }

    [export]                           # irl export's options for reoptimize: end_value, form, ensemble
    end_value = "floor"

    [demos]                            # demos of a task (relative paths: from the spec's folder)
    "Pendulum-v1" = "demos/pendulum-v1.npz"

    [search]                           # instead of a grid of settings: Optuna over ranges, ASHA stopping
    num_samples = 16
    [search.space]
    disc_lr = { loguniform = [1e-4, 1e-2] }

Every trial is a run folder ``OUT/TASK/NAME``, NAME = the learner, the settings that vary
across the grid, and the seed (``airl-disc_lr=0.0003-seed1``); a learner run's re-optimisation
is ``OUT/TASK/reopt-NAME`` (its reward ``reopt-NAME.reward``), the plain agent ``OUT/TASK/ppo-seedS``.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import math
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from irl.errors import ConfigError
from irl.runs.config import (
    EXPORT,
    EXPORT_CHOICES,
    LEARNER_NAMES,
    RECORDS,
    SOURCES,
    TrainConfig,
    settings_that_differ,
)

SHIPPED_DEMOS = {"Pendulum-v1": "pendulum-v1.npz", "HalfCheetah-v5": "halfcheetah-v5.npz",
                 "Hopper-v5": "hopper-v5.npz", "irl/CustomAnt-v0": "customant-v0.npz",
                 "irl/PointMazeLeft-v0": "pointmaze-left.npz", "Swimmer-v5": "swimmer-v5.npz",
                 "CartPole-v1": "cartpole-v1.npz", "Reacher-v5": "reacher-v5.npz",
                 "Walker2d-v5": "walker2d-v5.npz"}
"""Tasks whose demos ship with irl (``demos/``, installed as ``irl.demo_sets``)."""

TOP_KEYS = {"learners": list, "tasks": list, "seeds": list, "steps": int, "ppo_baseline": bool,
            "reoptimize": bool, "checkpoint_every": int, "settings": dict, "export": dict, "demos": dict,
            "search": dict, "recipe": str}
SOURCE_SPEC = "sweep spec"
"""config.json's source of a setting the spec gave (beside 'default' and 'recipe FILE')."""
AXES = ("learner", "env_id", "demos", "total_steps", "seed")
"""TrainConfig fields the spec sets through learners, tasks, [demos], steps and seeds."""
EXPORT_OPTIONS = EXPORT_CHOICES
DISTRIBUTIONS = ("uniform", "loguniform", "randint", "choice")
SEARCH_KEYS = {"num_samples": int, "seed": int, "space": dict, "grace_rounds": int, "reduction_factor": int}
INSTALL_RAY = 'irl sweep runs on Ray Tune, which is not installed: pip install "irl[ray]" (ray[tune] and optuna)'


@dataclass(frozen=True)
class Search:
    """Ray Tune's OptunaSearch over ``space`` ({field: (distribution, args)}), ``num_samples``
    trials, stopped early by ASHA on the normalised training return of each round."""

    space: dict[str, tuple[str, list]]
    num_samples: int
    seed: int = 0
    grace_rounds: int = 2
    """Rounds a trial runs before ASHA may stop it."""
    reduction_factor: int = 3


@dataclass(frozen=True)
class Trial:
    """One run of a sweep: a learner run (with its re-optimisation) or a plain agent."""

    task: str
    """Gymnasium env id."""
    learner: str
    """gail, airl or gcl; ppo or sac for a plain agent on the true reward."""
    seed: int
    name: str
    """The run folder's name under OUT/TASK."""
    config: dict[str, Any] = field(default_factory=dict)
    """TrainConfig as JSON (a learner run); the plain agent's algo, steps, demos and eval episodes."""
    reoptimize: bool = False
    export: dict[str, str] = field(default_factory=dict)
    checkpoint_every: int = 10
    workdir: str = ""
    """The folder a relative demos path is read from ('' where it is absolute)."""

    @property
    def key(self) -> str:
        """TASK/NAME: the trial's run folder under the sweep folder, unique in a sweep."""
        return f"{task_folder(self.task)}/{self.name}"

    @property
    def plain(self) -> bool:
        return self.learner not in LEARNER_NAMES

    def run(self, out: Path) -> Path:
        return out / task_folder(self.task) / self.name

    def reward(self, out: Path) -> Path:
        return out / task_folder(self.task) / f"reopt-{self.name}.reward"

    def reopt(self, out: Path) -> Path:
        return out / task_folder(self.task) / f"reopt-{self.name}"

    def log(self, out: Path) -> Path:
        return out / task_folder(self.task) / f"{self.name}.log"


@dataclass(frozen=True)
class SweepSpec:
    trials: tuple[Trial, ...]
    """The grid's trials (with a search: the one trial whose settings it searches)."""
    search: Search | None = None


def task_folder(env_id: str) -> str:
    """A task's folder name: its env id, '/' as '_' (irl/CustomAnt-v0 -> irl_CustomAnt-v0)."""
    return env_id.replace("/", "_")


def load_spec(path: str | Path) -> SweepSpec:
    """Read and check a spec file; ConfigError (one line) on anything wrong, before anything runs."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        raise ConfigError("reading a sweep spec needs Python 3.11 or later (its tomllib)") from None

    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except OSError as e:
        raise ConfigError(f"cannot read the sweep spec {path}: {e.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path} is not valid TOML: {e}") from None
    try:
        return parse_spec(data, base=path.parent)
    except ConfigError as e:
        raise ConfigError(f"{path}: {e}") from None


def parse_spec(data: dict[str, Any], *, base: Path = Path(".")) -> SweepSpec:
    """The trials of a spec given as a dict (TOML's tables); ``base``: the folder relative demo paths start from."""
    _check_keys("the spec", data, TOP_KEYS)
    for key in ("learners", "tasks", "seeds", "steps"):
        if key not in data:
            raise ConfigError(f"the spec has no {key!r}; expected learners, tasks, seeds and steps")
    learners = _nonempty_list("learners", data["learners"], str)
    for learner in learners:
        if learner not in LEARNER_NAMES:
            raise ConfigError(f"learners: expected some of {', '.join(LEARNER_NAMES)}, found {learner!r}")
    seeds = _nonempty_list("seeds", data["seeds"], int)
    if any(s < 0 for s in seeds):
        raise ConfigError(f"seeds must be >= 0, found {seeds}")
    steps, every = data["steps"], data.get("checkpoint_every", 10)
    if steps < 1 or every < 1:
        raise ConfigError(f"steps and checkpoint_every must be >= 1, found {steps} and {every}")
    demos = _demos(_nonempty_list("tasks", data["tasks"], str), data.get("demos", {}), base)
    recipe = _recipe(data.get("recipe", "task"), base)
    if recipe == "task":
        from irl.runs.recipes import task_recipe

        recipes = {task: task_recipe(task) for task in demos}  # read once; warns for a task without one
    else:
        recipes = dict.fromkeys(demos, recipe)
    export = data.get("export", {})
    _check_keys("[export]", export, {k: str for k in EXPORT_OPTIONS})
    for key, value in export.items():
        if value not in EXPORT_OPTIONS[key]:
            raise ConfigError(f"[export] {key}: expected one of {', '.join(EXPORT_OPTIONS[key])}, found {value!r}")
    settings = data.get("settings", {})
    axes = {name: _axis(name, value) for name, value in settings.items()}
    varying = [name for name, values in axes.items() if len(values) > 1]
    search = _search(data["search"], axes, varying) if "search" in data else None
    if search is not None and _flag(data, "ppo_baseline"):
        raise ConfigError("a search runs the learner's trials only; run ppo_baseline in a grid sweep")
    if search is not None and (len(learners) * len(demos) * len(seeds)) > 1:
        raise ConfigError(f"a search tunes one learner on one task and seed; found {len(learners)} learners, "
                          f"{len(demos)} tasks and {len(seeds)} seeds")
    if search is not None:  # every bound of every range must make a valid run
        task = next(iter(demos))
        probe = _config(learners[0], task, demos[task], steps, seeds[0], {k: v[0] for k, v in axes.items()},
                        recipes[task])
        for name, (_, args) in search.space.items():
            for value in args:
                _train_config({**probe, name: value})
    trials: list[Trial] = []
    for task, seed in itertools.product(demos, seeds):
        for learner in learners:
            for values in itertools.product(*axes.values()):
                chosen = dict(zip(axes, values))
                config = _config(learner, task, demos[task], steps, seed, chosen, recipes[task])
                if export:  # the run learns with the export it will get (a frozen reward's end value)
                    config[EXPORT] = {**config.get(EXPORT, {}), **export}
                name = trial_name(learner, {k: chosen[k] for k in varying}, seed)
                trials.append(Trial(task=task, learner=learner, seed=seed, name=name, config=config,
                                    reoptimize=_flag(data, "reoptimize"), export=export, checkpoint_every=every))
        if _flag(data, "ppo_baseline"):
            beside = [t for t in trials if t.task == task and t.seed == seed]
            for algo in dict.fromkeys(t.config["algo"] for t in beside):
                trials.append(Trial(task=task, learner=algo, seed=seed, name=f"{algo}-seed{seed}",
                                    config={"algo": algo, "total_steps": steps, "demos": demos[task],
                                            "eval_episodes": axes.get("eval_episodes", [20])[0],
                                            "hyper": _baseline_hyper(algo, task, beside)}))
    names = [t.key for t in trials]
    if len(set(names)) != len(names):
        raise ConfigError("two trials would share a run folder; give each grid value a distinct name")
    return SweepSpec(tuple(trials), search)


def trial_name(learner: str, settings: dict[str, Any], seed: int) -> str:
    """'airl-disc_lr=0.0003-seed1': the learner, the given settings, the seed; safe as a folder name."""
    parts = [learner, *(f"{k}={_short(v)}" for k, v in settings.items()), f"seed{seed}"]
    return re.sub(r"[^A-Za-z0-9_.=+,-]", "_", "-".join(parts))


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ",".join(f"{k}={_short(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "x".join(_short(v) for v in value)
    return str(value)


def with_settings(trial: Trial, settings: dict[str, Any]) -> Trial:
    """``trial`` with ``settings`` (a search's sample) in its config and its name."""
    config = {**trial.config, **settings}
    if SOURCES in config:
        config[SOURCES] = {**config[SOURCES], **{k: "sweep search" for k in settings}}
    _train_config(config)
    return replace(trial, config=config, name=trial_name(trial.learner, settings, trial.seed))


def reconcile(trial: Trial, out: Path, cwd: Path) -> Trial:
    """``trial`` naming its demos as the run already in its folder does, where that is the same
    file by another path (relative to ``cwd``, e.g. a run made by ``irl train --demos demos/x.npz``)."""
    saved = None if trial.plain else read_json(trial.run(out) / "config.json")
    if saved is None or saved.get("demos") == trial.config["demos"] or not isinstance(saved.get("demos"), str):
        return trial
    if not (cwd / saved["demos"]).resolve() == Path(trial.config["demos"]).resolve():
        return trial
    return replace(trial, config={**trial.config, "demos": saved["demos"]}, workdir=str(cwd.resolve()))


def state(trial: Trial, out: Path) -> str:
    """'finished' (its run, and its re-optimisation where asked, evaluated with these settings),
    'resume' (a run with a checkpoint to continue) or 'new'. ConfigError where the run
    folder holds a run with other settings that a resume cannot take."""
    run = trial.run(out)
    if trial.plain:
        return "finished" if (run / "eval.json").is_file() else "new"
    saved = read_json(run / "config.json")
    if saved is None:
        return "new"
    differ = settings_that_differ(saved, trial.config)
    if differ:
        changes = ", ".join(f"{k}: {saved.get(k)!r} there, {trial.config.get(k)!r} in the spec" for k in differ)
        raise ConfigError(f"{run} was trained with other settings ({changes}); use another --out or the same spec")
    if (run / "eval.json").is_file() and saved["total_steps"] == trial.config["total_steps"]:
        done = read_json(trial.reopt(out) / "eval.json") is not None
        return "finished" if done or not trial.reoptimize else "resume"
    has_checkpoint = any((run / c / "state.json").is_file() for c in ("checkpoint", ".checkpoint.old"))
    return "resume" if has_checkpoint else "new"


def _baseline_hyper(algo: str, task: str, learners: list[Trial]) -> dict[str, Any]:
    """The inner-loop settings of the plain agent beside ``learners``: theirs, where they share
    them (the spec's recipe and [settings] resolved), else (a recipe that tunes PPO per learner,
    a grid over PPO's settings) the task's recipe's."""
    from irl.rl.presets import preset
    from irl.runs.config import TrainConfig

    found = [TrainConfig.from_json(json.dumps(t.config)).hyper for t in learners if t.config["algo"] == algo]
    return found[0] if all(h == found[0] for h in found) else preset(algo, task)


def ray_available() -> bool:
    return importlib.util.find_spec("ray") is not None and importlib.util.find_spec("ray.tune") is not None


def read_json(path: Path) -> dict | None:
    """A JSON file's content, or None where it is missing or half-written."""
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


def _flag(data: dict, key: str) -> bool:
    return bool(data.get(key, False))


def _check_keys(where: str, table: Any, allowed: dict[str, type]) -> None:
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table, found {table!r}")
    for key, value in table.items():
        if key not in allowed:
            raise ConfigError(f"{where} has an unknown key {key!r}; expected {', '.join(allowed)}")
        expected = allowed[key]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(f"{where} {key}: expected {_type_name(expected)}, found {value!r}")


def _type_name(kind: type) -> str:
    return {list: "a list", dict: "a table", int: "a whole number", bool: "true or false", str: "a string",
            float: "a number"}.get(kind, kind.__name__)


def _nonempty_list(key: str, value: list, kind: type) -> list:
    if not value:
        raise ConfigError(f"{key} is empty: the grid would have no trials")
    for item in value:
        if not isinstance(item, kind) or isinstance(item, bool):
            raise ConfigError(f"{key}: expected {_type_name(kind)} in the list, found {item!r}")
    if len(set(value)) != len(value):
        raise ConfigError(f"{key} lists a value twice: {value}")
    return value


def _demos(tasks: list[str], given: dict, base: Path) -> dict[str, str]:
    """{task: demos path} from [demos] or the shipped sets; unknown tasks are an error."""
    _check_keys("[demos]", given, {k: str for k in given})
    extra = sorted(set(given) - set(tasks))
    if extra:
        raise ConfigError(f"[demos] names {', '.join(extra)}, which is not in tasks {tasks}")
    demos = {}
    for task in tasks:
        if task in given:
            path = Path(given[task]) if Path(given[task]).is_absolute() else base / given[task]
            if not path.exists():
                raise ConfigError(f"[demos] {task}: no file at {path}")
            demos[task] = str(path.resolve())
        elif task in SHIPPED_DEMOS:
            demos[task] = _shipped(SHIPPED_DEMOS[task])
        else:
            raise ConfigError(f"unknown task {task!r}: no shipped demos for it (tasks with shipped demos: "
                              f"{', '.join(SHIPPED_DEMOS)}); give its demos under [demos]")
    return demos


def _shipped(name: str) -> str:
    from importlib import resources

    return str(Path(str(resources.files("irl.demo_sets").joinpath(name))).resolve())


_FIELDS = {f.name: f for f in fields(TrainConfig)}
_KIND_NAMES = {"int": "a whole number", "float": "a number", "bool": "true or false", "str": "a string",
               "dict[str, Any]": "a table", "tuple[int, ...]": "a list of whole numbers"}
_TYPES = {"int": (int,), "float": (int, float), "bool": (bool,), "str": (str,), "dict[str, Any]": (dict,),
          "tuple[int, ...]": (list,)}


def _axis(name: str, value: Any) -> list:
    """The values a [settings] entry takes: a list is a grid axis (for list and table fields, a
    list of lists or of tables), anything else one value; each checked against TrainConfig's type."""
    if name not in _FIELDS:
        raise ConfigError(f"[settings] has an unknown key {name!r}; expected a TrainConfig field "
                          f"({', '.join(f for f in _FIELDS if f not in AXES)})")
    if name in AXES:
        raise ConfigError(f"[settings] {name}: set it with the spec's learners, tasks, [demos], steps or seeds")
    annotation = str(_FIELDS[name].type)
    sequence = annotation.startswith("tuple")
    if value == [] and not sequence:
        raise ConfigError(f"[settings] {name} is an empty list: the grid would have no trials")
    values = value if isinstance(value, list) and (not sequence or all(isinstance(v, list) for v in value)) \
        and value else [value]
    for v in values:
        _check_value(name, v, annotation)
    return values


def _check_value(name: str, value: Any, annotation: str) -> None:
    kinds = [part.strip() for part in annotation.split("|")]
    allowed = tuple(t for k in kinds if k != "None" for t in _TYPES.get(k, ()))
    ok = (isinstance(value, allowed) and not (isinstance(value, bool) and bool not in allowed)
          and not (isinstance(value, float) and not math.isfinite(value)))
    if isinstance(value, list):
        ok = ok and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    if not ok:
        wanted = " or ".join(_KIND_NAMES.get(k, k) for k in kinds if k != "None")
        none = " (None: leave it out)" if "None" in kinds else ""
        raise ConfigError(f"[settings] {name}: expected {wanted}{none}, found {value!r}")


def _recipe(value: Any, base: Path) -> Any:
    """The spec's ``recipe``: 'task' (each task's own), None for "none", else a recipe loaded now
    (a file relative to the spec's folder, or a shipped name), so a bad one fails before anything runs."""
    from irl.runs.recipes import find_recipe

    if value in ("task", "none"):
        return None if value == "none" else "task"
    path = base / value
    return find_recipe(str(path) if path.is_file() else value)


def _config(learner: str, task: str, demos: str, steps: int, seed: int, settings: dict[str, Any],
            recipe: Any) -> dict:
    """The trial's TrainConfig as JSON: resolved as ``irl train`` resolves it (TrainConfig's and SB3's
    defaults, the recipe, then the spec's settings over them)."""
    from irl.runs.recipes import resolve

    config = {"learner": learner, "env_id": task, "demos": demos, "total_steps": steps, "seed": seed, **settings}
    checked = _train_config(config)  # the spec's own values, checked with the trial named in the error
    algo = checked.algo
    given = {k: getattr(checked, k) for k in settings if k not in ("algo", "ppo", "sac")}
    resolved = resolve(learner, task, demos=demos, total_steps=steps, algo=algo, recipe=recipe,
                       given={**given, "seed": seed}, hyper=dict(settings.get(algo, {})), given_source=SOURCE_SPEC)
    return json.loads(resolved.config.to_json(resolved.sources, resolved.export))  # + config.json's records


def _train_config(config: dict[str, Any]) -> TrainConfig:
    data = {k: v for k, v in config.items() if k not in RECORDS}
    if isinstance(data.get("energy_hidden"), list):
        data["energy_hidden"] = tuple(data["energy_hidden"])
    try:
        return TrainConfig(**data)
    except ConfigError as e:
        shown = ", ".join(f"{k}={v}" for k, v in config.items() if k not in ("demos",))
        raise ConfigError(f"{e} (trial {shown})") from None


def _search(data: dict, axes: dict[str, list], varying: list[str]) -> Search:
    _check_keys("[search]", data, SEARCH_KEYS)
    if varying:
        raise ConfigError(f"[settings] {', '.join(varying)}: a search takes one value per setting; "
                          "put the ranges under [search.space]")
    space = data.get("space", {})
    if not space:
        raise ConfigError("[search.space] is empty: name the settings to search and their ranges")
    checked = {}
    for name, dist in space.items():
        if name not in _FIELDS or name in AXES:
            raise ConfigError(f"[search.space] has an unknown key {name!r}; expected a TrainConfig field")
        if name in axes:
            raise ConfigError(f"[search.space] {name} is also set under [settings]; keep one")
        if not isinstance(dist, dict) or len(dist) != 1 or next(iter(dist)) not in DISTRIBUTIONS:
            raise ConfigError(f"[search.space] {name}: expected one of {{{' | '.join(DISTRIBUTIONS)} = [...]}}, "
                              f"found {dist!r}")
        kind, args = next(iter(dist.items()))
        if not isinstance(args, list) or not args:
            raise ConfigError(f"[search.space] {name}: {kind} takes a list, found {args!r}")
        if kind != "choice":
            numeric = len(args) == 2 and all(isinstance(a, (int, float)) and not isinstance(a, bool) for a in args)
            if not numeric or not args[0] < args[1] or (kind == "loguniform" and args[0] <= 0):
                raise ConfigError(f"[search.space] {name}: {kind} takes [low, high] with low < high"
                                  f"{' and low > 0' if kind == 'loguniform' else ''}, found {args!r}")
            if kind == "randint" and not all(isinstance(a, int) for a in args):
                raise ConfigError(f"[search.space] {name}: randint takes whole numbers, found {args!r}")
        for value in args:
            _check_value(name, value, str(_FIELDS[name].type))
        checked[name] = (kind, args)
    num = data.get("num_samples", 0)
    if num < 1:
        raise ConfigError(f"[search] num_samples must be >= 1, found {num}")
    grace, factor = data.get("grace_rounds", 2), data.get("reduction_factor", 3)
    if grace < 1 or factor < 2:
        raise ConfigError(f"[search] grace_rounds must be >= 1 and reduction_factor >= 2, found {grace} and {factor}")
    return Search(space=checked, num_samples=num, seed=data.get("seed", 0), grace_rounds=grace,
                  reduction_factor=factor)

