"""Recipes: the settings a task trains with unless told otherwise, as data.

A recipe is a TOML file (``irl/recipes/*.toml`` ship with irl; format:
docs/how-to/recipes.md) holding, for one or more tasks, the inner loop's settings
(``[ppo]``, ``[sac]``), per learner the :class:`~irl.runs.config.TrainConfig` settings
that differ from its defaults (``[gail]``, ``[airl]``, ``[gcl]`` with either algorithm;
``[LEARNER.ppo]`` / ``[LEARNER.sac]`` with that one only, TrainConfig fields and
inner-loop lines alike; ``[LEARNER.export]`` for ``irl export``), and the benchmark
results it was measured at (``[[measured]]``, written by ``scripts/recipe_results.py``).

:func:`resolve` turns a learner, a task and the settings a caller gave into a
TrainConfig, with the source of every setting: its default < the recipe < given.
``TrainConfig(...)`` itself applies no recipe (its ``ppo`` / ``sac`` override the task's
``[ppo]`` / ``[sac]`` table, as :mod:`irl.rl.presets` reads it); ``irl train`` and
``irl quickstart`` resolve through here.
"""

from __future__ import annotations

import types
import typing
import warnings
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from irl.errors import ConfigError
from irl.rl.presets import (
    ALGOS,
    GENERIC,
    check_rl_table,
    fits,
    generic_recipe_file,
    packaged_folder,
    read_toml,
    recipe_files,
    task_recipe_file,
    type_name,
)
from irl.runs.config import EXPORT_CHOICES, LEARNER_NAMES, TrainConfig

NOT_IN_RECIPES = ("learner", "env_id", "demos", "total_steps", "seed", "algo", "ppo", "sac", "hyper_base")
"""TrainConfig fields a run's caller gives (the task, the data, the budget, the seed), never a recipe."""
EXPORT_KEYS = EXPORT_CHOICES
"""Settings of ``irl export`` a recipe may name (``[LEARNER.export]``), with their values."""
MEASURED_KEYS: dict[str, type | tuple[type, ...]] = {
    "learner": str, "algo": str, "results": str, "steps": int, "seeds": list, "per_seed": list, "score": float,
    "score_std": float, "reoptimized": float, "reoptimized_seeds": list, "commit": str, "date": str, "command": str,
}
"""The keys of a ``[[measured]]`` entry, written by scripts/recipe_results.py from the rows of a
results file measured with the recipe's settings of ``learner`` with ``algo``: normalised
returns (0 = random, 1 = expert) of the imitator per seed, their mean and standard deviation,
the mean return of a fresh agent re-optimised on the exported rewards and the seeds of those
rewards, and provenance."""
TOP_KEYS = ("tasks", "summary", *ALGOS, *LEARNER_NAMES, "measured")
PACKAGED = "irl/recipes"

SOURCE_DEFAULT = "default"
SOURCE_GIVEN = "command line"


def _optional_inner(hint: Any) -> Any:
    """``X | None`` -> X; anything else as it is."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    return args[0] if typing.get_origin(hint) in (typing.Union, types.UnionType) and len(args) == 1 else hint


def _setting_types() -> dict[str, type | tuple[type, ...]]:
    """{TrainConfig field a recipe may set: its TOML type}."""
    hints = typing.get_type_hints(TrainConfig)
    found = {}
    for f in fields(TrainConfig):
        if f.name in NOT_IN_RECIPES:
            continue
        hint = _optional_inner(hints[f.name])
        found[f.name] = list if typing.get_origin(hint) is tuple else hint
    return found


SETTINGS = _setting_types()


@dataclass(frozen=True)
class Recipe:
    """One recipe file, validated."""

    name: str
    """The file's stem (``--recipe NAME`` for a shipped one)."""
    path: Path
    """The file."""
    source: str
    """Where it was read, as runs record it: ``irl/recipes/NAME.toml`` for a shipped recipe, else the file's path."""
    tasks: tuple[str, ...]
    summary: str
    inner_loop: dict[str, dict[str, Any]]
    """{'ppo': {...}, 'sac': {...}}: the task's RL settings, every learner's."""
    learners: dict[str, dict[str, Any]]
    """{learner: {TrainConfig field: value (with any algo), and 'ppo' / 'sac' tables (TrainConfig
    fields and inner-loop settings with that algo) and an 'export' table}}."""
    measured: tuple[dict[str, Any], ...] = field(default=())

    def _with(self, learner: str, algo: str) -> dict[str, Any]:
        return self.learners.get(learner, {}).get(algo, {})

    def settings(self, learner: str, algo: str) -> dict[str, Any]:
        """The TrainConfig settings of ``learner`` with ``algo``: the learner's, then its ``algo``
        table's (tuples where TrainConfig has them)."""
        common = {k: v for k, v in self.learners.get(learner, {}).items() if k in SETTINGS}
        table = {**common, **{k: v for k, v in self._with(learner, algo).items() if k in SETTINGS}}
        return {k: tuple(v) if isinstance(v, list) else v for k, v in table.items()}

    def own_rl(self, learner: str, algo: str) -> dict[str, Any]:
        """The inner-loop lines of ``learner`` with ``algo`` alone (over the task's ``[algo]``)."""
        return {k: v for k, v in self._with(learner, algo).items() if k not in SETTINGS}

    def rl(self, learner: str, algo: str) -> dict[str, Any]:
        """The inner loop's settings for ``learner`` with ``algo``: the task's, then the learner's lines."""
        return {**self.inner_loop.get(algo, {}), **self.own_rl(learner, algo)}

    def export(self, learner: str) -> dict[str, str]:
        """The ``irl export`` settings the recipe names for ``learner``'s rewards."""
        return dict(self.learners.get(learner, {}).get("export", {}))

    def measurement(self, learner: str, algo: str) -> dict[str, Any] | None:
        """The last ``[[measured]]`` entry of ``learner`` with ``algo`` (the newest), or None."""
        found = [m for m in self.measured if m["learner"] == learner and m["algo"] == algo]
        return found[-1] if found else None


def load_recipe(path: str | Path) -> Recipe:
    """Read and validate a recipe file: any unknown key, wrong type or setting TrainConfig
    rejects is a one-line ConfigError naming the file, the key and what was expected."""
    path = Path(path)
    data = read_toml(path)
    source = f"{PACKAGED}/{path.name}" if path.resolve().parent == packaged_folder().resolve() else str(path)

    def bad(key: str, expected: str, found: Any) -> ConfigError:
        return ConfigError(f"{source}: {key}: expected {expected}, found {found!r}")

    for key in data:
        if key not in TOP_KEYS:
            raise ConfigError(f"{source}: unknown key {key!r} (expected {', '.join(TOP_KEYS)})")
    tasks = data.get("tasks", [])
    if not isinstance(tasks, list) or not all(isinstance(t, str) and t for t in tasks):
        raise bad("tasks", "an array of env ids", tasks)
    summary = data.get("summary", "")
    if not isinstance(summary, str):
        raise bad("summary", "a string", summary)
    inner = {algo: dict(check_rl_table(data.get(algo, {}), algo, f"{source}: [{algo}]")) for algo in ALGOS}
    learners = {}
    for learner in LEARNER_NAMES:
        table = data.get(learner, {})
        if not isinstance(table, dict):
            raise bad(f"[{learner}]", "a table of settings", table)
        for key, value in table.items():
            if key in ALGOS:
                where = f"{source}: [{learner}.{key}]"
                if not isinstance(value, dict):
                    raise ConfigError(f"{where}: expected a table of settings, found {value!r}")
                _check_settings({k: v for k, v in value.items() if k in SETTINGS}, where)
                check_rl_table({k: v for k, v in value.items() if k not in SETTINGS}, key, where)
            elif key == "export":
                _check_export(value, f"{source}: [{learner}.export]")
            elif key not in SETTINGS:
                raise ConfigError(f"{source}: [{learner}]: unknown setting {key!r} (expected a TrainConfig field: "
                                  f"{', '.join(SETTINGS)}; or a [{learner}.ppo], [{learner}.sac] or "
                                  f"[{learner}.export] table)")
            else:
                _check_settings({key: value}, f"{source}: [{learner}]")
        learners[learner] = table
    measured = tuple(_check_measured(m, i, source) for i, m in enumerate(_as_list(data.get("measured", []), source)))
    recipe = Recipe(name=path.stem, path=path, source=source, tasks=tuple(tasks), summary=summary, inner_loop=inner,
                    learners=learners, measured=measured)
    for learner in LEARNER_NAMES:  # values TrainConfig rejects (a negative weight, a GAIL-only clash)
        for algo in ALGOS:
            try:
                TrainConfig(learner=learner, env_id="-", demos="-", total_steps=1, algo=algo,
                            **recipe.settings(learner, algo))
            except ConfigError as exc:
                raise ConfigError(f"{source}: [{learner}] with {algo}: {exc}") from None
    return recipe


def _check_settings(table: dict[str, Any], where: str) -> None:
    """TrainConfig settings of the right types (the table's keys are known ones)."""
    for key, value in table.items():
        if not fits(value, SETTINGS[key]) or (isinstance(value, list) and not all(fits(v, int) for v in value)):
            raise ConfigError(f"{where}.{key}: expected {type_name(SETTINGS[key])}, found {value!r}")


def _as_list(value: Any, source: str) -> list:
    if not isinstance(value, list):
        raise ConfigError(f"{source}: measured: expected an array of tables ([[measured]]), found {value!r}")
    return value


def _check_export(table: Any, where: str) -> None:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table of irl export settings, found {table!r}")
    for key, value in table.items():
        if key not in EXPORT_KEYS:
            raise ConfigError(f"{where}: unknown irl export setting {key!r} (expected one of {', '.join(EXPORT_KEYS)})")
        if value not in EXPORT_KEYS[key]:
            raise ConfigError(f"{where}.{key}: expected one of {EXPORT_KEYS[key]}, found {value!r}")


def _check_measured(entry: Any, index: int, source: str) -> dict[str, Any]:
    where = f"{source}: measured[{index}]"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: expected a table, found {entry!r}")
    for key, value in entry.items():
        if key not in MEASURED_KEYS:
            raise ConfigError(f"{where}: unknown key {key!r} (expected one of {', '.join(MEASURED_KEYS)})")
        if not fits(value, MEASURED_KEYS[key]):
            raise ConfigError(f"{where}.{key}: expected {type_name(MEASURED_KEYS[key])}, found {value!r}")
    for key in ("learner", "algo", "score"):
        if key not in entry:
            raise ConfigError(f"{where}: missing {key!r} (each entry names a learner, an algo and a score)")
    if entry["learner"] not in LEARNER_NAMES or entry["algo"] not in ALGOS:
        raise ConfigError(f"{where}: expected a learner in {LEARNER_NAMES} and an algo in {ALGOS}, found "
                          f"{entry['learner']!r} and {entry['algo']!r}")
    return entry


def packaged_recipes() -> list[Recipe]:
    """Every recipe shipped with irl, by name."""
    return [load_recipe(p) for p in recipe_files()]


def find_recipe(name: str | Path) -> Recipe:
    """A recipe by file path (a user's own), by the name of a shipped one (``hopper-v5``), or
    by a task a shipped one covers (``Hopper-v5``)."""
    path = Path(name)
    if path.suffix == ".toml" or path.is_file():
        if not path.is_file():
            raise ConfigError(f"recipe file {path} not found")
        return load_recipe(path)
    shipped = {p.stem: p for p in recipe_files()}
    if str(name) in shipped:
        return load_recipe(shipped[str(name)])
    if (by_task := task_recipe_file(str(name))) is not None:
        return load_recipe(by_task)
    raise ConfigError(f"no recipe named {str(name)!r}: expected a .toml file, one of {', '.join(shipped)}, "
                      "or a task one of them covers (irl recipes lists them)")


def task_recipe(env_id: str) -> Recipe:
    """The shipped recipe of ``env_id``; generic.toml, with a warning, for a task without one."""
    path = task_recipe_file(env_id)
    if path is None:
        warnings.warn(f"no recipe for {env_id}: training with {PACKAGED}/{GENERIC}.toml (SB3's and TrainConfig's "
                      "defaults, not tuned for this task; see irl recipes)", stacklevel=2)
        path = generic_recipe_file()
    return load_recipe(path)


@dataclass(frozen=True)
class Resolved:
    """A TrainConfig with the source of each of its settings."""

    config: TrainConfig
    sources: dict[str, str]
    """{setting: 'default', 'recipe FILE' or 'command line'}; inner-loop settings as 'ppo.KEY' / 'sac.KEY'."""
    recipe: Recipe | None
    export: dict[str, str] = field(default_factory=dict)
    """The recipe's ``irl export`` settings for the learner's reward (config.json's ``export``)."""


def resolve(learner: str, env_id: str, *, demos: str, total_steps: int, algo: str = "ppo",
            recipe: str | Path | Recipe | None = "task", given: dict[str, Any] | None = None,
            hyper: dict[str, Any] | None = None, given_source: str = SOURCE_GIVEN) -> Resolved:
    """The TrainConfig of ``learner`` on ``env_id``: TrainConfig's and SB3's defaults, then the
    recipe's settings, then ``given`` (TrainConfig fields) and ``hyper`` (inner-loop settings).

    ``recipe``: 'task' (the task's shipped recipe; generic.toml with a warning where it has
    none), a recipe, a file or name (:func:`find_recipe`), or None (no recipe). The config
    holds every inner-loop setting itself (``hyper_base='sb3'``), so a run saved with it does
    not depend on the recipe file afterwards.

    Example::

        r = resolve("airl", "HalfCheetah-v5", demos="demos/halfcheetah-v5.npz", total_steps=1_000_000)
        irl.api.train(r.config, "runs/hc-airl", sources=r.sources)
    """
    given = dict(given or {})
    hyper = dict(hyper or {})
    for key in given:
        if key not in SETTINGS and key != "seed":
            raise ConfigError(f"given: {key!r} is not a setting (expected seed or one of {', '.join(SETTINGS)})")
    if algo not in ALGOS:
        raise ConfigError(f"algo must be one of {ALGOS}, got {algo!r}")
    check_rl_table(hyper, algo, f"--hyper ({algo})")
    if recipe == "task":
        recipe = task_recipe(env_id)
    elif recipe is not None and not isinstance(recipe, Recipe):
        recipe = find_recipe(recipe)
    from_recipe = f"recipe {recipe.source}" if recipe else SOURCE_DEFAULT
    settings = recipe.settings(learner, algo) if recipe else {}
    rl = recipe.rl(learner, algo) if recipe else {}
    config = TrainConfig(learner=learner, env_id=env_id, demos=str(demos), total_steps=total_steps, algo=algo,
                         hyper_base="sb3", **{**settings, **given}, **{algo: {**rl, **hyper}})
    sources = {"learner": given_source, "env_id": given_source, "demos": given_source, "algo": given_source,
               "total_steps": given_source}
    for f in fields(TrainConfig):
        if f.name in SETTINGS or f.name == "seed":
            sources[f.name] = given_source if f.name in given else from_recipe if f.name in settings \
                else SOURCE_DEFAULT
    for key in config.hyper:
        sources[f"{algo}.{key}"] = given_source if key in hyper else from_recipe if key in rl else SOURCE_DEFAULT
    return Resolved(config=config, sources=sources, recipe=recipe, export=recipe.export(learner) if recipe else {})


FLAGS = {"total_steps": "steps", "env_id": "env", "policy_reward": "reward", "ensemble_size": "ensemble"}
"""TrainConfig fields whose ``irl train`` flag is not the field's name with dashes."""


def as_flags(settings: dict[str, Any], rl: dict[str, Any] | None = None) -> list[str]:
    """``irl train`` flags that give ``settings`` (TrainConfig fields) and ``rl`` (--hyper)."""
    out: list[str] = []
    for key, value in settings.items():
        flag = "--" + FLAGS.get(key, key).replace("_", "-")
        if isinstance(value, bool):
            out.append(flag if value else f"--no-{flag[2:]}")
        elif isinstance(value, (list, tuple)):
            out += [flag, *map(str, value)]
        else:
            out += [flag, str(value)]
    for key, value in (rl or {}).items():
        out += ["--hyper", f"{key}={value}"]
    return out


def describe_measurement(m: dict[str, Any] | None) -> str:
    """'1.064 (1 seed, 1,000,000 steps, e125ba9, 2026-12-06)', with '; a fresh agent on its
    reward 0.822 (2 seeds)' where its rewards were re-optimised, or 'not measured'."""
    if m is None:
        return "not measured on the current code"
    seeds = len(m.get("seeds", []))
    spread = f" ± {m['score_std']:.3f}" if seeds > 1 and "score_std" in m else ""
    fresh = ""
    if "reoptimized" in m:
        count = len(m.get("reoptimized_seeds", []))
        fresh = f"; a fresh agent on its reward {m['reoptimized']:.3f}" + (
            f" ({count} seed{'s' if count != 1 else ''})" if count else "")
    return (f"{m['score']:.3f}{spread} ({seeds} seed{'s' if seeds != 1 else ''}, {m.get('steps', 0):,} steps, "
            f"{m.get('commit', '?')}, {m.get('date', '?')}){fresh}")
