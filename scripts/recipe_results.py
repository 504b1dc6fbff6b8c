"""Write each recipe's measured lines from the benchmark results, or check that they match.

    python scripts/recipe_results.py                    # rewrite irl/recipes/*.toml's measured lines
    python scripts/recipe_results.py --check            # exit 1 where a recipe differs from the results
    python scripts/recipe_results.py --results FILE     # another results CSV (default: docs/results/benchmark.csv)

A recipe's measurement of a learner with an algorithm is every row of the results (one
row per run and seed: ``task, learner, settings, export, steps, seed, imitator``, and where
present ``reoptimized, date, commit, before, command``) on one of the recipe's tasks whose
``irl train`` flags (``settings``) give exactly the recipe's settings for that learner and
algorithm, and that was measured on the current code (``before`` empty: no result-changing
commit of docs/results/changes.csv missing). Rows are grouped by steps; each group becomes
one ``[[measured]]`` entry: seeds, the normalised return per seed (``imitator``, each seed's
newest row), their mean and standard deviation, the mean re-optimised return over the rows
whose ``irl export`` flags (``export``) give the recipe's export settings (each seed's newest
such row), and the commits, dates and commands of the rows used.
Everything after a recipe's ``# measured`` line is rewritten.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import shlex
import sys
from pathlib import Path
from statistics import fmean, pstdev
from typing import Any

from irl.cli import _parser, given_options, given_settings
from irl.errors import ConfigError
from irl.rewards.artifact import EXPORT_DEFAULTS
from irl.rl.presets import ALGOS
from irl.runs.config import LEARNER_NAMES
from irl.runs.recipes import Recipe, load_recipe

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path("docs/results/benchmark.csv")
MARKER = "# measured"
REQUIRED = ("task", "learner", "settings", "steps", "seed", "imitator")


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a results CSV, checked for the columns this script reads."""
    if not path.is_file():
        raise ConfigError(f"results file {path} not found")
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise ConfigError(f"{path}: expected the columns {', '.join(REQUIRED)}; missing {', '.join(missing)}")
        return list(reader)


def train_flags(row: dict[str, str], where: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(algo, TrainConfig settings, inner-loop settings) that a row's ``irl train`` flags give."""
    argv = ["train", row["learner"], "--env", row["task"], "--demos", "-", "--out", "-", *shlex.split(row["settings"])]
    try:
        with contextlib.redirect_stderr(io.StringIO()) as err:
            args = _parser().parse_args(argv)
    except SystemExit:
        raise ConfigError(f"{where}: settings {row['settings']!r} are not irl train flags: "
                          f"{err.getvalue().strip()}") from None
    settings = given_settings(args, given_options(argv))
    settings.pop("seed", None)
    return args.algo, settings, dict(args.hyper)


def export_flags(text: str) -> dict[str, str]:
    """'--end-value floor' -> {'end_value': 'floor'}."""
    words = shlex.split(text)
    return {k.removeprefix("--").replace("-", "_"): v for k, v in zip(words[::2], words[1::2])}


def same_export(row: dict[str, str], recipe: Recipe, learner: str) -> bool:
    """Whether the row's reward was exported as the recipe exports ``learner``'s (defaults filled in)."""
    return {**EXPORT_DEFAULTS, **export_flags(row.get("export", ""))} == {**EXPORT_DEFAULTS, **recipe.export(learner)}


def matching_rows(recipe: Recipe, learner: str, algo: str, rows: list[dict[str, str]],
                  results: Path) -> list[dict[str, str]]:
    """The rows measured with the recipe's training settings of ``learner`` with ``algo`` on the
    current code (whatever their export)."""
    found = []
    for i, row in enumerate(rows, start=2):
        if row["task"] not in recipe.tasks or row["learner"] != learner or row.get("before"):
            continue
        row_algo, settings, hyper = train_flags(row, f"{results} line {i}")
        if row_algo == algo and settings == recipe.settings(learner, algo) and hyper == recipe.own_rl(learner, algo):
            found.append(row)
    return found


def measurements(recipe: Recipe, rows: list[dict[str, str]], results: Path) -> list[dict[str, Any]]:
    """The ``[[measured]]`` entries of a recipe: one per learner, algo and steps (every row is on the
    current code, so the seeds of several commands and commits are pooled, each seed's newest row;
    their commits joined by ', ', their commands by '; ')."""
    entries = []
    for learner in LEARNER_NAMES:
        for algo in ALGOS:
            groups: dict[int, dict[int, dict[str, str]]] = {}  # steps -> seed -> its newest row (the last added)
            reopts: dict[int, dict[int, dict[str, str]]] = {}  # the same, of rows re-optimised as the recipe exports
            for row in matching_rows(recipe, learner, algo, rows, results):
                groups.setdefault(int(row["steps"]), {})[int(row["seed"])] = row
                if row.get("reoptimized") and same_export(row, recipe, learner):
                    reopts.setdefault(int(row["steps"]), {})[int(row["seed"])] = row
            for steps, group in sorted(((s, list(g.values())) for s, g in groups.items()),
                                       key=lambda kv: max(r.get("date", "") for r in kv[1])):
                reopt_rows = sorted(reopts.get(steps, {}).values(), key=lambda r: int(r["seed"]))
                used = group + [r for r in reopt_rows if r not in group]
                date = max(r.get("date", "") for r in used)
                commit = ", ".join(dict.fromkeys(r["commit"] for r in used if r.get("commit")))
                command = "; ".join(dict.fromkeys(r["command"] for r in used if r.get("command")))
                group.sort(key=lambda r: int(r["seed"]))
                scores = [float(r["imitator"]) for r in group]
                entry: dict[str, Any] = {"learner": learner, "algo": algo, "results": str(results), "steps": steps,
                                         "seeds": [int(r["seed"]) for r in group],
                                         "per_seed": [round(s, 3) for s in scores], "score": round(fmean(scores), 3)}
                if len(scores) > 1:
                    entry["score_std"] = round(pstdev(scores), 3)
                reopt = [float(r["reoptimized"]) for r in reopt_rows]
                if reopt:
                    entry["reoptimized"] = round(fmean(reopt), 3)
                    entry["reoptimized_seeds"] = [int(r["seed"]) for r in reopt_rows]
                entry.update({k: v for k, v in (("commit", commit), ("date", date), ("command", command)) if v})
                entries.append(entry)
    return entries


def _toml(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(map(_toml, value)) + "]"
    return repr(value)


def measured_text(entries: list[dict[str, Any]], results: Path) -> str:
    """The lines from ``# measured`` on: the entries, and the pairs nothing measured."""
    done = {(e["learner"], e["algo"]) for e in entries}
    missing = [f"{learner}/{algo}" for algo in ALGOS for learner in LEARNER_NAMES if (learner, algo) not in done]
    lines = [MARKER, f"# Written by scripts/recipe_results.py from {results}: the rows measured with these settings."]
    if not entries:  # (a top-level `measured = []` cannot follow the tables above)
        lines.append("# No measurement of this recipe on the current code.")
    elif missing:
        lines.append(f"# No measurement on the current code of {', '.join(missing)}.")
    for e in entries:
        lines += ["", "[[measured]]", *(f"{k} = {_toml(v)}" for k, v in e.items())]
    return "\n".join(lines) + "\n"


def updated(path: Path, rows: list[dict[str, str]], results: Path) -> str:
    """The text of recipe ``path`` with its measured lines written from ``rows``."""
    text = path.read_text(encoding="utf-8")
    head, marker, _old = text.partition("\n" + MARKER + "\n")
    if not marker:
        raise ConfigError(f"{path}: no line {MARKER!r} (the measured lines follow it)")
    return head + "\n" + measured_text(measurements(load_recipe(path), rows, results), results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", type=Path, default=ROOT / "irl" / "recipes", help="folder of the recipes")
    parser.add_argument("--results", type=Path, default=RESULTS,
                        help="results CSV, relative to the repository (default: %(default)s)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 where a recipe is out of date")
    args = parser.parse_args(argv)
    stale = []
    try:
        rows = read_rows(args.results if args.results.is_absolute() else ROOT / args.results)
        for path in sorted(args.recipes.glob("*.toml")):
            text = updated(path, rows, args.results)
            if text != path.read_text(encoding="utf-8"):
                stale.append(path)
                if not args.check:
                    path.write_text(text, encoding="utf-8")
    except ConfigError as exc:
        print(f"recipe_results: error: {exc}", file=sys.stderr)
        return 2
    for path in stale:
        print(f"{'out of date' if args.check else 'updated'}: {path}")
    if args.check and stale:
        print("run python scripts/recipe_results.py to write them from the results", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
