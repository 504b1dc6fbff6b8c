"""Fresh agents on the same imitator's reward exported in different ways, side by side.

    python scripts/export_pairs.py --out docs/notes/reward-course/pairs.md     # write the table
    python scripts/export_pairs.py --out docs/notes/reward-course/pairs.md --check   # exit 1 if stale
    python scripts/export_pairs.py --course --out docs/notes/reward-course/course.md  # every course reward

``--course`` writes the other table: every reward exported as the energy's course (no
``--snapshots`` flag, or ``--snapshots all``), one row per imitator, whether or not it was
also exported another way, with each task and learner's count at 0.9 or more.

Reads docs/results/benchmark.csv (one row per run and seed; ``export`` holds the ``irl export``
flags against today's defaults, '' for none). Rows of one imitator are those with the same
task, learner, settings, steps, seed and commit; where one imitator's reward was re-optimised
under more than one export, the table shows its imitator score and each export's fresh agent,
then each export's mean over those imitators.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from statistics import fmean

from docs_results import DATA, read_csv

DEFAULT = "default (the energy's course)"


def pairs(rows: list[dict[str, str]]) -> tuple[list[str], list[dict]]:
    """The exports compared (the default first) and one dict per imitator re-optimised under
    several: task, learner, seed, commit, imitator, and {export: fresh agent's score}."""
    imitators: dict[tuple, dict] = {}
    for row in rows:
        if not row.get("reoptimized"):
            continue
        key = (row["task"], row["learner"], row["settings"], row["steps"], row["seed"], row["commit"])
        entry = imitators.setdefault(key, {"task": row["task"], "learner": row["learner"], "seed": int(row["seed"]),
                                           "commit": row["commit"], "imitator": float(row["imitator"]), "fresh": {}})
        entry["fresh"][row["export"]] = float(row["reoptimized"])  # the newest row of an export wins
    found = [e for e in imitators.values() if len(e["fresh"]) > 1]
    exports = sorted({x for e in found for x in e["fresh"]}, key=lambda x: (x != "", x))
    return exports, found


def markdown(exports: list[str], found: list[dict]) -> str:
    names = [DEFAULT if x == "" else f"`{x}`" for x in exports]
    lines = ["| task | learner | seed | imitator | " + " | ".join(f"fresh agent, {n}" for n in names) + " | measured at |",
             "|---|---|---|---|" + "---|" * len(names) + "---|"]
    for e in sorted(found, key=lambda e: (e["task"], e["learner"], e["seed"])):
        cells = [f"{e['fresh'][x]:.3f}" if x in e["fresh"] else "" for x in exports]
        lines.append(f"| {e['task']} | {e['learner'].upper()} | {e['seed']} | {e['imitator']:.3f} | "
                     + " | ".join(cells) + f" | {e['commit']} |")
    for x, name in zip(exports, names):
        scores = [e["fresh"][x] for e in found if x in e["fresh"]]
        lines.append(f"\nMean of {name}: {fmean(scores):.3f} over {len(scores)} imitators; "
                     f"{sum(s >= 0.9 for s in scores)} of them at 0.9 or more.")
    return "\n".join(lines) + "\n"


def course(rows: list[dict[str, str]]) -> list[dict]:
    """One dict per imitator whose reward was re-optimised as the energy's course: task, learner,
    settings, seed, commit, imitator, fresh (the fresh agent's score) and export (its flags)."""
    found: dict[tuple, dict] = {}
    for row in rows:
        flags = shlex.split(row.get("export", ""))
        snapshots = flags[flags.index("--snapshots") + 1] if "--snapshots" in flags[:-1] else "all"
        if not row.get("reoptimized") or snapshots != "all":
            continue
        key = (row["task"], row["learner"], row["settings"], row["steps"], row["seed"], row["commit"])
        found[key] = {"task": row["task"], "learner": row["learner"], "settings": row["settings"],
                      "seed": int(row["seed"]), "commit": row["commit"], "imitator": float(row["imitator"]),
                      "fresh": float(row["reoptimized"]), "export": row.get("export", "")}  # the newest row wins
    return sorted(found.values(), key=lambda e: (e["task"], e["learner"], e["settings"], e["seed"]))


def markdown_course(found: list[dict]) -> str:
    lines = ["| task | learner | settings | export | seed | imitator | fresh agent | measured at |",
             "|---|---|---|---|---|---|---|---|"]
    for e in found:
        lines.append(f"| {e['task']} | {e['learner'].upper()} | {_flags(e['settings'], 'the recipe')} | "
                     f"{_flags(e['export'], 'defaults')} | {e['seed']} | {e['imitator']:.3f} | {e['fresh']:.3f} | "
                     f"{e['commit']} |")
    groups: dict[tuple, list[dict]] = {}
    for e in found:
        groups.setdefault((e["task"], e["learner"], e["settings"]), []).append(e)
    lines.append("")
    for (task, learner, settings), group in groups.items():
        fresh = [e["fresh"] for e in group]
        lines.append(f"- {task} {learner.upper()} ({_flags(settings, 'the recipe')}): fresh agents {fmean(fresh):.3f} "
                     f"on average over {len(fresh)} seed{'s' if len(fresh) > 1 else ''}, {sum(f >= 0.9 for f in fresh)} at 0.9 or more; "
                     f"imitators {sum(e['imitator'] >= 0.9 for e in group)} of {len(group)} at 0.9 or more.")
    return "\n".join(lines) + "\n"


def _flags(text: str, empty: str) -> str:
    return f"`{text}`" if text else empty


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--results", type=Path, default=DATA / "benchmark.csv")
    parser.add_argument("--out", type=Path, required=True, help="the markdown table to write (or --check)")
    parser.add_argument("--check", action="store_true", help="exit 1 if --out differs from the results")
    parser.add_argument("--course", action="store_true",
                        help="the table of every reward exported as the energy's course, not the pairs")
    args = parser.parse_args(argv)
    rows = read_csv(args.results)
    if args.course:
        found = course(rows)
        what = "no reward re-optimised as the energy's course"
        text = markdown_course(found) if found else ""
    else:
        exports, found = pairs(rows)
        what = "no imitator re-optimised under more than one export"
        text = markdown(exports, found) if found else ""
    if not found:
        print(f"{args.results}: {what}", file=sys.stderr)
        return 2
    if args.check:
        if not args.out.is_file() or args.out.read_text() != text:
            print(f"{args.out} is stale: run python scripts/export_pairs.py --out {args.out}")
            return 1
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(f"wrote {args.out}: {len(found)} imitators")
    return 0


if __name__ == "__main__":
    sys.exit(main())
