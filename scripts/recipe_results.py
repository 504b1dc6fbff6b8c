"""Fill the measured lines of the recipes from results files, or check that they match.

    python scripts/recipe_results.py                      # fill every recipe from the files its entries name
    python scripts/recipe_results.py --results docs/results/x.csv   # read (and name) this file instead
    python scripts/recipe_results.py --check              # exit 1 where a recipe differs from its results

Each ``[[measured]]`` entry of a recipe (``irl/recipes/*.toml``) names a learner, an algo,
a results file and a label: the rows of that file measured with the recipe's settings
(the file's ``recipe`` or ``label`` column; its ``task`` among the recipe's tasks, its
``learner`` and, where the file has the column, its ``algo``). This script fills in the
rest from those rows: steps, seeds, the normalised return per seed (``imitator``,
``normalized_return`` or ``score`` column), their mean and standard deviation, the mean
re-optimised return where the file has it, and the commit, date and command: from the
file's ``commit``, ``date`` and ``command`` columns, else the commit is the label's
hexadecimal word, the date that commit's (git), and the command the benchmark line that
gives the recipe's settings as flags. Everything after a recipe's ``# measured`` line is
rewritten; only learner, algo, results and label are read from it.
"""

from __future__ import annotations

import argparse
import csv
import re
import shlex
import subprocess
import sys
from pathlib import Path
from statistics import fmean, pstdev
from typing import Any

from irl.errors import ConfigError
from irl.rl.presets import ALGOS, read_toml
from irl.runs.config import LEARNER_NAMES
from irl.runs.recipes import as_flags, load_recipe

ROOT = Path(__file__).resolve().parents[1]
MARKER = "# measured"
SELECT = ("learner", "algo", "results", "label")
SCORE_COLUMNS = ("imitator", "normalized_return", "score")
LABEL_COLUMNS = ("recipe", "label")


def read_rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise ConfigError(f"results file {path} not found")
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _column(row: dict[str, str], names: tuple[str, ...], path: Path) -> str:
    for name in names:
        if name in row:
            return row[name]
    raise ConfigError(f"{path}: expected a column named one of {names}, found {sorted(row)}")


def commit_date(commit: str, known: str | None = None) -> str:
    """The date of ``commit`` (git), or ``known`` where git cannot tell (no history: an sdist, a shallow clone)."""
    try:
        proc = subprocess.run(["git", "log", "-1", "--format=%cs", commit], capture_output=True, text=True, cwd=ROOT)
    except OSError:
        proc = None
    if proc is not None and proc.returncode == 0 and proc.stdout.strip():
        return proc.stdout.strip()
    if known is not None:
        return known
    raise ConfigError(f"commit {commit} is not in this repository's history; give the results file a date column")


def benchmark_command(recipe, learner: str, algo: str, task: str, seeds: list[int], steps: int,  # noqa: ANN001
                      reoptimized: bool) -> str:
    """The scripts/benchmark.py line that trains ``learner`` with the recipe's settings as flags."""
    words = ["python", "scripts/benchmark.py", "--envs", task, "--learners", learner, "--seeds", *map(str, seeds),
             "--steps", str(steps), *(["--algo", algo] if algo != "ppo" else []), "--skip-ppo"]
    flags = as_flags(recipe.settings(learner, algo), recipe.own_rl(learner, algo))
    export = [f"--{k.replace('_', '-')} {v}" for k, v in recipe.export(learner).items()]
    if reoptimized:
        words.append("--reoptimize")
    if flags:
        words += ["--train-args", shlex.join(flags)]
    if reoptimized and export:
        words += ["--export-args", " ".join(export)]
    return shlex.join([*words, "--out", "OUT"])


def measure(recipe, entry: dict[str, Any], results: Path) -> dict[str, Any]:  # noqa: ANN001
    """The entry filled from the rows of ``results`` it selects."""
    rows = [r for r in read_rows(ROOT / results if not results.is_absolute() else results)
            if r.get("task") in recipe.tasks and r.get("learner") == entry["learner"]
            and _column(r, LABEL_COLUMNS, results) == entry["label"] and r.get("algo", "ppo") == entry["algo"]]
    if not rows:
        raise ConfigError(f"{recipe.source}: measured {entry['learner']}/{entry['algo']} label {entry['label']!r} "
                          f"matches no row of {results} (task in {list(recipe.tasks)})")
    steps = {int(r["steps"]) for r in rows}
    tasks = {r["task"] for r in rows}
    if len(steps) != 1 or len(tasks) != 1:
        raise ConfigError(f"{results}: the rows of label {entry['label']!r} mix tasks {sorted(tasks)} or steps "
                          f"{sorted(steps)}; give each setting its own label")
    rows.sort(key=lambda r: int(r["seed"]))
    scores = [float(_column(r, SCORE_COLUMNS, results)) for r in rows]
    filled = {key: entry[key] for key in SELECT}
    filled["results"] = str(results)
    filled.update(steps=steps.pop(), seeds=[int(r["seed"]) for r in rows], per_seed=[round(s, 3) for s in scores],
                  score=round(fmean(scores), 3))
    if len(scores) > 1:
        filled["score_std"] = round(pstdev(scores), 3)
    reopt = [float(r["reoptimized"]) for r in rows if r.get("reoptimized") not in (None, "")]
    if reopt:
        filled["reoptimized"] = round(fmean(reopt), 3)
    commit = rows[0].get("commit") or next(iter(re.findall(r"\b[0-9a-f]{7,40}\b", entry["label"])[-1:]), None)
    if commit is None:
        raise ConfigError(f"{results}: no commit column and no commit in the label {entry['label']!r}")
    filled["commit"] = commit
    filled["date"] = rows[0].get("date") or commit_date(commit, entry.get("date"))
    filled["command"] = rows[0].get("command") or benchmark_command(
        recipe, entry["learner"], entry["algo"], tasks.pop(), filled["seeds"], filled["steps"], bool(reopt))
    return filled


def _toml(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(map(_toml, value)) + "]"
    return repr(value)


def measured_text(entries: list[dict[str, Any]]) -> str:
    """The lines after ``# measured``: the entries, and the pairs nothing measured."""
    done = {(e["learner"], e["algo"]) for e in entries}
    missing = [f"{learner}/{algo}" for algo in ALGOS for learner in LEARNER_NAMES if (learner, algo) not in done]
    lines = [MARKER]
    if not entries:  # (a top-level `measured = []` cannot follow the tables above)
        lines.append("# no measurement of this recipe on the current code")
    elif missing:
        lines.append(f"# no measurement on the current code of {', '.join(missing)}")
    for e in entries:
        lines += ["", "[[measured]]", *(f"{k} = {_toml(v)}" for k, v in e.items())]
    return "\n".join(lines) + "\n"


def updated(path: Path, results: Path | None) -> str:
    """The text of recipe ``path`` with its measured lines filled from the results."""
    text = path.read_text(encoding="utf-8")
    head, marker, _old = text.partition("\n" + MARKER + "\n")
    if not marker:
        raise ConfigError(f"{path}: no line {MARKER!r} (the measured lines follow it)")
    recipe = load_recipe(path)
    entries = read_toml(path).get("measured", [])
    filled = [measure(recipe, e, results if results is not None else Path(e["results"])) for e in entries]
    return head + "\n" + measured_text(filled)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", type=Path, default=ROOT / "irl" / "recipes", help="folder of the recipes")
    parser.add_argument("--results", type=Path, default=None,
                        help="read every entry's rows from this results CSV (and name it) instead of its own file")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 where a recipe is out of date")
    args = parser.parse_args(argv)
    stale = []
    try:
        for path in sorted(args.recipes.glob("*.toml")):
            text = updated(path, args.results)
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
        print("run python scripts/recipe_results.py to fill them from their results", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
