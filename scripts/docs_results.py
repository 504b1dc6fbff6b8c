"""Render the benchmark results shown to users from the result rows committed under docs/results/.

    python scripts/docs_results.py            # rewrite the tables in README.md and docs/results.md, and the plot
    python scripts/docs_results.py --check    # exit 1 if any of them is stale, or a row lacks date/commit/command
    python scripts/docs_results.py --add OUT/reoptimization.csv --seeds 0 1 --settings "..." --commit abc1234 --command "..."
    python scripts/docs_results.py --add OUT/results.csv --overhead --commit abc1234 --command "..."   # with PPO beside

Sources (docs/results/):

- ``benchmark.csv``: one row per (run, seed): ``task, learner, settings`` (the ``irl train``
  flags that differ from the current defaults, '' for none), ``export`` (the ``irl export`` flags,
  against the current defaults, of the re-optimised reward; rows are rewritten when a default
  changes, so that '' always means today's defaults), ``steps, seed``, the normalised returns (0 = random, 1 = expert) of the
  ``imitator`` and of the fresh PPO agent ``reoptimized`` on its exported reward alone, ``ppo``
  (PPO on the true reward, same task, seed and preset), ``overhead`` (wall-clock of the
  adversarial run over PPO's, run beside it), and the row's provenance: ``date``, ``commit``,
  ``command``, and ``before``: the first result-changing commit (``changes.csv``) the measured
  code lacks, '' when it has them all.
- ``changes.csv``: commits that changed what the learners compute (``commit, date, learners,
  change``); rows measured before one are shown with that commit.
- ``headline.csv``: the (task, learner, settings) whose rows make the README's table.

Targets: the text between ``<!-- results:NAME -->`` and ``<!-- /results:NAME -->`` in README.md
(NAME = readme) and docs/results.md (NAME = summary, TASK for each task), and
docs/results/reoptimization.png (its PNG metadata holds a hash of the data it plots, which
``--check`` compares).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import hashlib
import json
import math
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # reward_archive, a sibling script

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "docs" / "results"
COLUMNS = ("task", "learner", "settings", "export", "steps", "seed", "imitator", "reoptimized", "ppo",
           "overhead", "date", "commit", "before", "command")
NUMBERS = ("imitator", "reoptimized", "ppo", "overhead")
REQUIRED = ("task", "learner", "steps", "seed", "date", "commit", "command")
PLOT = "reoptimization.png"
NAMES = {"gail": "GAIL", "airl": "AIRL", "gcl": "GCL"}


class ResultsError(ValueError):
    """A result row or a target page that the renderer cannot use."""


@dataclass(frozen=True)
class Row:
    """One (run, seed) of benchmark.csv; a number not measured is None."""

    task: str
    learner: str
    settings: str
    export: str
    steps: int
    seed: int
    imitator: float | None
    reoptimized: float | None
    ppo: float | None
    overhead: float | None
    date: str
    commit: str
    before: str
    command: str

    @property
    def group(self) -> tuple:
        """Rows of one invocation at one commit: aggregated together on the results page."""
        return (self.task, self.learner, self.settings, self.export, self.steps, self.commit, self.command)


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def parse_rows(records: list[dict[str, str]], changes: dict[str, dict], where: str = "benchmark.csv") -> list[Row]:
    """Check and type the rows: every column present, date/commit/command filled, numbers finite."""
    rows = []
    for line, rec in enumerate(records, start=2):
        missing = [c for c in COLUMNS if c not in rec]
        if missing:
            raise ResultsError(f"{where} line {line}: missing columns {missing}; expected {list(COLUMNS)}")
        empty = [c for c in REQUIRED if not (rec[c] or "").strip()]
        if empty:
            raise ResultsError(f"{where} line {line}: {', '.join(empty)} empty; every row needs its "
                               "task, learner, steps, seed, date, commit and command")
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", rec["date"]):
            raise ResultsError(f"{where} line {line}: date must be YYYY-MM-DD, got {rec['date']!r}")
        if rec["before"] and rec["before"] not in changes:
            raise ResultsError(f"{where} line {line}: before={rec['before']!r} is not a commit of "
                               f"changes.csv ({', '.join(changes) or 'none'})")
        values = {}
        for c in NUMBERS:
            text = rec[c].strip()
            try:
                values[c] = float(text) if text else None
            except ValueError:
                raise ResultsError(f"{where} line {line}: {c} must be a number or empty, got {text!r}") from None
            if values[c] is not None and not math.isfinite(values[c]):
                raise ResultsError(f"{where} line {line}: {c} must be finite, got {text}")
        if values["imitator"] is None and values["reoptimized"] is None and values["ppo"] is None:
            raise ResultsError(f"{where} line {line}: no imitator, reoptimized or ppo number")
        rows.append(Row(task=rec["task"], learner=rec["learner"], settings=rec["settings"].strip(),
                        export=rec["export"].strip(), steps=int(rec["steps"]), seed=int(rec["seed"]),
                        date=rec["date"], commit=rec["commit"].strip(), before=rec["before"].strip(),
                        command=rec["command"].strip(), **values))
    return rows


def load(data: Path = DATA) -> tuple[list[Row], dict[str, dict], list[dict[str, str]]]:
    changes = {c["commit"]: c for c in read_csv(data / "changes.csv")}
    rows = parse_rows(read_csv(data / "benchmark.csv"), changes)
    headline = read_csv(data / "headline.csv")
    return rows, changes, headline


# Formatting ----------------------------------------------------------------------------------

def mean_std(values: list[float]) -> str:
    if not values:
        return ""
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{np.mean(values):.3f} ± {np.std(values):.3f}"


def per_seed(pairs: list[tuple[int, float]]) -> str:
    return ", ".join(f"{v:.3f}" for _, v in sorted(pairs))


def scored(pairs: list[tuple[int, float]], *, seeds: bool = True) -> str:
    """'mean ± std (n seeds: a, b, c)' of (seed, value) pairs."""
    if not pairs:
        return ""
    n = len(pairs)
    text = mean_std([v for _, v in pairs])
    if seeds and n > 1:
        text += f" ({n} seeds: {per_seed(pairs)})"
    elif seeds:
        text += f" (seed {pairs[0][0]})"
    return text


def settings_text(settings: str, export: str = "") -> str:
    text = f"`{settings}`" if settings else "defaults"
    if export:
        text += f"; export `{export}`"
    return text


def latest_rows(rows: list[Row], metric: str) -> list[Row]:
    """Each seed's newest row that measured ``metric`` (rows are in the order they were added)."""
    newest: dict[int, Row] = {}
    for row in sorted(rows, key=lambda r: r.date):  # stable: file order within a date
        if getattr(row, metric) is not None:
            newest[row.seed] = row
    return [newest[seed] for seed in sorted(newest)]


def latest_per_seed(rows: list[Row], metric: str) -> list[tuple[int, float]]:
    """Each seed's newest measurement of ``metric``, as (seed, value)."""
    return [(row.seed, getattr(row, metric)) for row in latest_rows(rows, metric)]


def measured_at(rows: list[Row]) -> str:
    commits = list(dict.fromkeys(r.commit for r in rows))
    dates = sorted({r.date for r in rows})
    when = dates[0] if len(dates) == 1 else f"{dates[0]} to {dates[-1]}"
    text = f"{', '.join(commits)} ({when})"
    before = sorted({r.before for r in rows if r.before})
    if before:
        text += f", **before {', '.join(before)}**"
    return text


def table(header: list[str], lines: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(cell.replace("|", "\\|") for cell in line) + " |" for line in lines]
    return "\n".join(out)


# Tables --------------------------------------------------------------------------------------

def headline_table(rows: list[Row], headline: list[dict[str, str]]) -> str:
    """One line per headline (task, learner, settings): its rows at the current code where any
    exist, else all of them, marked with the commit they were measured at; each seed's newest
    figure. Then PPO on the true reward per task (not changed by the learners' fixes)."""
    lines = []
    for task in dict.fromkeys(h["task"] for h in headline):
        for h in (h for h in headline if h["task"] == task):
            chosen = [r for r in rows if (r.task, r.learner, r.settings) == (task, h["learner"], h["settings"].strip())]
            if not chosen:
                raise ResultsError(f"headline.csv: no rows for {task} {h['learner']} settings {h['settings']!r}")
            current = [r for r in chosen if not r.before]
            chosen = current or chosen
            by_export: dict[str, list[Row]] = {}  # the default export ('') first, each with its seeds' newest
            for r in sorted(chosen, key=lambda r: (r.export != "", r.export)):
                if r.reoptimized is not None:
                    by_export.setdefault(r.export, []).append(r)
            reopt = "; ".join(scored(latest_per_seed(group, "reoptimized")) + (f", export `{export}`" if export else "")
                              for export, group in by_export.items())
            overhead = latest_per_seed(chosen, "overhead")
            used = {id(r): r for m in ("imitator", "overhead") for r in latest_rows(chosen, m)}
            used.update({id(r): r for group in by_export.values() for r in latest_rows(group, "reoptimized")})
            lines.append([task, NAMES.get(h["learner"], h["learner"]), settings_text(h["settings"].strip()),
                          scored(latest_per_seed(chosen, "imitator")), reopt,
                          f"{np.mean([v for _, v in overhead]):.2f}x" if overhead else "",
                          measured_at([r for r in chosen if id(r) in used])])
        ppo_rows = [r for r in rows if r.task == task and r.ppo is not None]
        if ppo_rows:
            lines.append([task, "PPO, true reward", "", scored(latest_per_seed(ppo_rows, "ppo")), "", "1 (reference)",
                          measured_at([replace(r, before="") for r in latest_rows(ppo_rows, "ppo")])])
    return table(["task", "learner", "settings", "normalised return", "fresh PPO on its reward", "overhead",
                  "measured at"], lines)


def task_table(rows: list[Row], task: str) -> str:
    """Every group of the task's rows, newest first, with its command numbered below the table."""
    groups: dict[tuple, list[Row]] = {}
    for row in rows:
        if row.task == task:
            groups.setdefault(row.group, []).append(row)
    newest_first = sorted(groups.values(), key=lambda g: g[0].date, reverse=True)
    ordered = sorted(newest_first, key=lambda g: (list(NAMES).index(g[0].learner) if g[0].learner in NAMES
                                                     else len(NAMES), g[0].settings, g[0].export))
    lines, commands = [], []
    for group in ordered:
        ref = commands.index(group[0].command) + 1 if group[0].command in commands else None
        if ref is None:
            commands.append(group[0].command)
            ref = len(commands)
        pairs = lambda metric: [(r.seed, getattr(r, metric)) for r in group if getattr(r, metric) is not None]
        overhead = pairs("overhead")
        lines.append([NAMES.get(group[0].learner, group[0].learner), settings_text(group[0].settings, group[0].export),
                      f"{group[0].steps:,}", scored(pairs("imitator")), scored(pairs("reoptimized")),
                      scored(pairs("ppo")), ", ".join(f"{v:.2f}x" for _, v in sorted(overhead)),
                      measured_at(group), f"[{ref}]"])
    text = table(["learner", "settings", "steps", "the imitator", "fresh PPO on its reward", "PPO, true reward",
                  "overhead", "measured at", "command"], lines)
    return text + "\n\n" + "\n".join(f"{i}. `{c}`" for i, c in enumerate(commands, start=1))


def changes_list(changes: dict[str, dict]) -> str:
    return "\n".join(f"- **{c['commit']}** ({c['date']}; {', '.join(NAMES.get(x, x) for x in c['learners'].split())}): "
                     f"{c['change']}" for c in changes.values())


def blocks(rows: list[Row], changes: dict[str, dict], headline: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    """Marker name -> generated text, per target file (relative to the repository)."""
    page = {"summary": headline_table(rows, headline), "changes": changes_list(changes)}
    for task in dict.fromkeys(r.task for r in rows):
        page[task] = task_table(rows, task)
    return {"README.md": {"readme": headline_table(rows, headline)}, "docs/results.md": page}


# Markers -------------------------------------------------------------------------------------

def fill(text: str, name: str, content: str, where: str) -> str:
    pattern = re.compile(rf"(<!-- results:{re.escape(name)} -->\n)(?:.*?\n)?(<!-- /results:{re.escape(name)} -->)", re.S)
    if not pattern.search(text):
        raise ResultsError(f"{where}: no <!-- results:{name} --> ... <!-- /results:{name} --> markers")
    return pattern.sub(lambda m: m.group(1) + content + "\n" + m.group(2), text, count=1)


def render_files(repo: Path, rows: list[Row], changes: dict[str, dict], headline: list[dict[str, str]]) -> dict[Path, str]:
    out = {}
    for rel, named in blocks(rows, changes, headline).items():
        text = (repo / rel).read_text()
        for name, content in named.items():
            text = fill(text, name, content, rel)
        out[repo / rel] = text
    return out


# Plot ----------------------------------------------------------------------------------------

def plot_data(rows: list[Row]) -> list[dict]:
    return [{"task": r.task, "learner": r.learner, "imitator": r.imitator, "reoptimized": r.reoptimized,
             "current": not r.before, "commit": r.commit, "date": r.date}
            for r in rows if r.imitator is not None and r.reoptimized is not None]


def plot_hash(rows: list[Row]) -> str:
    return hashlib.sha256(json.dumps(plot_data(rows), sort_keys=True).encode()).hexdigest()[:16]


def plot(rows: list[Row], path: Path) -> None:
    """Each imitator against fresh PPO trained on its exported reward alone, one panel per task."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = plot_data(rows)
    tasks = list(dict.fromkeys(d["task"] for d in data))
    colors = {"gail": "tab:blue", "airl": "tab:orange", "gcl": "tab:green"}
    fig, axes = plt.subplots(1, len(tasks), figsize=(4.6 * len(tasks), 5.0), squeeze=False)
    for ax, task in zip(axes[0], tasks):
        ax.axhline(0, color="grey", lw=0.6)
        ax.axhline(1, color="grey", lw=0.6, ls=":")
        ax.plot([-0.6, 1.5], [-0.6, 1.5], color="grey", lw=0.6, ls="--")
        for learner, color in colors.items():
            for current in (False, True):
                pts = [d for d in data if d["task"] == task and d["learner"] == learner and d["current"] == current]
                if pts:
                    ax.scatter([d["imitator"] for d in pts], [d["reoptimized"] for d in pts], s=36, color=color,
                               facecolors=color if current else "none",
                               label=f"{NAMES[learner]}{'' if current else ' (before the fixes)'}")
        ax.set_title(task)
        ax.set_xlabel("the imitator (normalised return)")
        ax.set_ylabel("fresh PPO on its reward")
        ax.set_xlim(-0.6, 1.5)
        ax.set_ylim(-0.7, 1.2)
    handles = {}
    for ax in axes[0]:
        handles.update(zip(ax.get_legend_handles_labels()[1], ax.get_legend_handles_labels()[0]))
    labels = sorted(handles, key=lambda label: (list(NAMES.values()).index(label.split()[0]), label))
    fig.legend([handles[label] for label in labels], labels, loc="lower center", ncol=len(labels), fontsize=8,
               bbox_to_anchor=(0.5, 0.04))
    dates = sorted({d["date"] for d in data})
    fig.text(0.01, 0.01, f"docs/results/benchmark.csv, rows {dates[0]} to {dates[-1]} (commits in the table); "
             "python scripts/docs_results.py", fontsize=7, color="grey")
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    fig.savefig(path, dpi=90, metadata={"Software": None, "irl-data": plot_hash(rows)})
    plt.close(fig)


def png_hash(path: Path) -> str | None:
    """The data hash a plot was made from: its PNG's ``irl-data`` text chunk (None if absent)."""
    if not path.is_file():
        return None
    data = path.read_bytes()
    pos = 8  # after the PNG signature: chunks of (length, type, data, crc)
    while pos + 8 <= len(data):
        length, kind = int.from_bytes(data[pos:pos + 4], "big"), data[pos + 4:pos + 8]
        if kind == b"tEXt":
            key, _, value = data[pos + 8:pos + 8 + length].partition(b"\0")
            if key == b"irl-data":
                return value.decode("latin-1")
        pos += 12 + length
    return None


# Commands ------------------------------------------------------------------------------------

def stale(repo: Path = REPO, data: Path = DATA) -> list[str]:
    """What --check reports: each target whose committed text or plot is not what the data renders."""
    rows, changes, headline = load(data)
    problems = [f"{path.relative_to(repo)} is stale" for path, text in render_files(repo, rows, changes, headline).items()
                if path.read_text() != text]
    if png_hash(data / PLOT) != plot_hash(rows):
        problems.append(f"{(data / PLOT).relative_to(repo)} is stale")
    return problems


def render(repo: Path = REPO, data: Path = DATA) -> list[Path]:
    rows, changes, headline = load(data)
    written = []
    for path, text in render_files(repo, rows, changes, headline).items():
        if path.read_text() != text:
            path.write_text(text)
            written.append(path)
    if png_hash(data / PLOT) != plot_hash(rows):
        plot(rows, data / PLOT)
        written.append(data / PLOT)
    return written


PLAIN = ("ppo", "sac")
"""results.csv's learner names of the plain agent on the true reward."""


def pairs_of_results(records: list[dict[str, str]]) -> list[dict[str, str]]:
    """A benchmark's results.csv (env, learner, seed, normalized_return, steps; one row per
    run) as pairs: each learner run with its fresh agent's score ('reopt-LEARNER') where
    there is one, '' where not."""
    fresh = {(r["env"], r["learner"].removeprefix("reopt-"), r["seed"]): r["normalized_return"]
             for r in records if r["learner"].startswith("reopt-")}
    return [{"task": r["env"], "learner": r["learner"], "steps": r["steps"], "seed": r["seed"],
             "imitator": r["normalized_return"], "reoptimized": fresh.get((r["env"], r["learner"], r["seed"]), "")}
            for r in records if r["learner"] not in PLAIN and not r["learner"].startswith("reopt-")]


def plain_beside(results: list[dict[str, str]], row: dict[str, str], overhead: bool) -> tuple[str, str]:
    """(ppo, overhead) of a pair from its benchmark's results.csv: the plain agent's score on
    the same task and seed, and the learner's wall-clock over the plain agent's (only with
    ``overhead``, when the two ran under the same load); '' where there is no plain run."""
    def find(learner: str) -> dict[str, str] | None:
        return next((r for r in results if r["env"] == row["task"] and r["seed"] == str(row["seed"])
                     and r["learner"] == learner), None)

    plain = next((p for p in (find(name) for name in PLAIN) if p is not None), None)
    if plain is None:
        return "", ""
    learner = find(row["learner"])
    ratio = (f"{float(learner['train_seconds']) / float(plain['train_seconds']):.2f}"
             if overhead and learner is not None else "")
    return plain["normalized_return"], ratio


def add(source: Path, *, settings: str, export: str, commit: str, command: str, date: str,
        seeds: list[int] | None = None, data: Path = DATA, rewards: Path | None = None,
        overhead: bool = False) -> int:
    """Append the pairs of a benchmark's reoptimization.csv (task, learner, steps, seed, imitator,
    reoptimized), or the learner runs of its results.csv, only ``seeds`` if given, to
    benchmark.csv with the given provenance; returns how many rows. Where the benchmark folder
    holding ``source`` has a results.csv with the plain agent's runs, each row gets its score
    (``ppo``) and, with ``overhead`` (learners and plain agent ran under the same load), the
    wall-clock ratio. Each row's exported reward, where that folder has one, is archived under
    ``rewards`` (default: docs/results/rewards/, see scripts/reward_archive.py) before any row
    is written."""
    records = read_csv(source)
    if records and {"env", "normalized_return"} <= set(records[0]):
        records = pairs_of_results(records)
    need = {"task", "learner", "steps", "seed", "imitator", "reoptimized"}
    if not records or not need <= set(records[0]):
        raise ResultsError(f"{source}: expected a CSV with columns {sorted(need)} (reoptimization.csv) or a "
                           f"benchmark's results.csv, got {sorted(records[0]) if records else 'no rows'}")
    results_csv = source.parent / "results.csv"
    results = read_csv(results_csv) if results_csv.is_file() else []
    new = [{"task": r["task"], "learner": r["learner"], "settings": settings, "export": export,
            "steps": r["steps"], "seed": r["seed"], "imitator": r["imitator"], "reoptimized": r["reoptimized"],
            **dict(zip(("ppo", "overhead"), plain_beside(results, r, overhead))),
            "date": date, "commit": commit, "before": "", "command": command}
           for r in records if seeds is None or int(r["seed"]) in seeds]
    if not new:
        raise ResultsError(f"{source}: no rows{f' for seeds {seeds}' if seeds else ''}")
    changes = {c["commit"]: c for c in read_csv(data / "changes.csv")}
    parse_rows(new, changes, where=str(source))
    import reward_archive  # a sibling script

    archive_to = rewards or data / "rewards"
    for row in new:  # refuse before copying anything
        if reward_archive.entry_path(row, archive_to).exists():
            raise ResultsError(f"{row['task']} {row['learner']} seed {row['seed']} at {commit} with these settings "
                               f"is already recorded (docs/results/rewards)")
    for row in new:
        try:
            entry = reward_archive.archive(source.parent, row, to=archive_to)
        except reward_archive.ArchiveError as error:
            raise ResultsError(str(error)) from None
        if entry is not None:
            print(f"archived its reward in {entry}")
    with open(data / "benchmark.csv", "a", newline="") as f:
        csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n").writerows(new)
    return len(new)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a rendered target is stale")
    parser.add_argument("--add", type=Path, metavar="CSV", help="append a benchmark's reoptimization.csv, then render")
    parser.add_argument("--settings", default="", help="with --add: the irl train flags beyond the defaults")
    parser.add_argument("--export", default="", help="with --add: the irl export flags")
    parser.add_argument("--commit", help="with --add: the commit the runs measured")
    parser.add_argument("--command", help="with --add: the command that made the runs")
    parser.add_argument("--date", default=datetime.date.today().isoformat(), help="with --add (default: today)")
    parser.add_argument("--seeds", type=int, nargs="+", help="with --add: only these seeds' rows")
    parser.add_argument("--overhead", action="store_true",
                        help="with --add: also record each learner's wall-clock over the plain agent's beside it "
                             "(its benchmark's results.csv); only where they ran under the same load")
    args = parser.parse_args(argv)
    try:
        if args.add:
            if not (args.commit and args.command):
                parser.error("--add needs --commit and --command")
            n = add(args.add, settings=args.settings, export=args.export, commit=args.commit,
                    command=args.command, date=args.date, seeds=args.seeds, overhead=args.overhead)
            print(f"added {n} rows to {(DATA / 'benchmark.csv').relative_to(REPO)}")
        if args.check:
            problems = stale()
            for problem in problems:
                print(f"{problem}: run python scripts/docs_results.py", file=sys.stderr)
            return 1 if problems else 0
        for path in render():
            print(f"wrote {path.relative_to(REPO)}")
    except (ResultsError, OSError) as error:
        print(f"docs_results: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
