"""scripts/docs_results.py: the results pages and the README's table are what the committed
result rows render to, and every row says when, at which commit and by which command."""

import importlib.util
import re
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _module():
    spec = importlib.util.spec_from_file_location("docs_results", REPO / "scripts" / "docs_results.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["docs_results"] = module
    spec.loader.exec_module(module)
    return module


docs_results = _module()


def _copy(tmp_path: Path) -> tuple[Path, Path]:
    """README.md, docs/results.md and docs/results/ copied: a repository the tests may edit."""
    (tmp_path / "docs").mkdir()
    shutil.copy(REPO / "README.md", tmp_path / "README.md")
    shutil.copy(REPO / "docs" / "results.md", tmp_path / "docs" / "results.md")
    shutil.copytree(REPO / "docs" / "results", tmp_path / "docs" / "results")
    return tmp_path, tmp_path / "docs" / "results"


def test_committed_pages_and_plot_are_what_the_rows_render_to():
    assert docs_results.stale() == []


def test_a_changed_number_makes_the_readme_and_the_page_stale(tmp_path):
    repo, data = _copy(tmp_path)
    csv_path = data / "benchmark.csv"
    lines = csv_path.read_text().splitlines()
    # the newest row of a seed the summary shows (Hopper AIRL at the recipe's settings, seed 1)
    row = max(i for i, line in enumerate(lines) if line.startswith("Hopper-v5,airl,,--end-value floor,1000000,1,"))
    fields = lines[row].split(",")
    fields[6] = f"{float(fields[6]) - 0.1:.4f}"  # the imitator's score
    lines[row] = ",".join(fields)
    csv_path.write_text("\n".join(lines) + "\n")
    assert set(docs_results.stale(repo, data)) == {"README.md is stale", "docs/results.md is stale",
                                                   "docs/results/reoptimization.png is stale"}


def test_an_edited_table_is_stale(tmp_path):
    repo, data = _copy(tmp_path)
    readme = repo / "README.md"
    text = readme.read_text()
    table = text.index("<!-- results:readme -->")
    number = re.compile(r"\d\.\d{3}").search(text, table)  # the table's first figure, edited by hand
    edited = text[:number.start()] + ("1.234" if number.group() != "1.234" else "4.321") + text[number.end():]
    readme.write_text(edited)
    assert docs_results.stale(repo, data) == ["README.md is stale"]


@pytest.mark.parametrize("column", ["date", "commit", "command"])
def test_a_row_without_its_provenance_is_refused(tmp_path, column):
    repo, data = _copy(tmp_path)
    records = docs_results.read_csv(data / "benchmark.csv")
    records[3][column] = ""
    changes = {c["commit"]: c for c in docs_results.read_csv(data / "changes.csv")}
    with pytest.raises(docs_results.ResultsError, match=f"line 5: {column} empty"):
        docs_results.parse_rows(records, changes)


def test_before_must_name_a_listed_change():
    record = docs_results.read_csv(REPO / "docs" / "results" / "benchmark.csv")[0]
    with pytest.raises(docs_results.ResultsError, match="not a commit of changes.csv"):
        docs_results.parse_rows([dict(record, before="abc1234")], {})


def test_the_summary_shows_current_rows_where_there_are_any_and_marks_older_ones():
    def row(**kw):
        base = dict(task="T-v0", learner="airl", settings="", export="", steps=10, seed=0, imitator=0.5,
                    reoptimized=None, ppo=None, overhead=None, date="2026-01-01", commit="old", before="fix",
                    command="c")
        return docs_results.Row(**dict(base, **kw))

    headline = [{"task": "T-v0", "learner": "airl", "settings": ""}]
    old = [row(seed=0, imitator=0.2), row(seed=1, imitator=0.4)]
    table = docs_results.headline_table(old, headline)
    assert "0.300 ± 0.100 (2 seeds: 0.200, 0.400)" in table and "**before fix**" in table
    new = old + [row(seed=2, imitator=0.9, commit="new", before="", date="2026-01-02")]
    table = docs_results.headline_table(new, headline)
    assert "0.900 (seed 2)" in table and "before" not in table
    newer = new + [row(seed=2, imitator=0.7, commit="newer", before="", date="2026-01-03")]
    assert "0.700 (seed 2)" in docs_results.headline_table(newer, headline)  # each seed's newest figure


def test_add_appends_a_benchmarks_pairs_with_their_provenance(tmp_path):
    repo, data = _copy(tmp_path)
    before = len(docs_results.read_csv(data / "benchmark.csv"))
    pairs = tmp_path / "reoptimization.csv"
    pairs.write_text("task,learner,recipe,steps,seed,imitator,reoptimized\n"
                     "Hopper-v5,airl,defaults,1000000,0,1.1,0.8\n"
                     "Hopper-v5,airl,defaults,1000000,1,1.375,0.955\n")  # already recorded: left out by seeds
    n = docs_results.add(pairs, settings="", export="--end-value floor", commit="e125ba9", command="python x",
                         date="2026-12-07", seeds=[0], data=data)
    rows, _, _ = docs_results.load(data)
    assert n == 1 and len(rows) == before + 1
    assert rows[-1] == docs_results.Row(task="Hopper-v5", learner="airl", settings="", export="--end-value floor",
                                        steps=1_000_000, seed=0, imitator=1.1, reoptimized=0.8, ppo=None,
                                        overhead=None, date="2026-12-07", commit="e125ba9", before="",
                                        command="python x")
    assert "README.md is stale" in docs_results.stale(repo, data)
    docs_results.render(repo, data)
    assert docs_results.stale(repo, data) == []


def test_add_takes_a_benchmarks_results_with_the_plain_agent_beside(tmp_path):
    repo, data = _copy(tmp_path)
    results = tmp_path / "bench" / "results.csv"
    results.parent.mkdir()
    results.write_text("env,learner,seed,normalized_return,train_seconds,recipe,steps\n"
                       "Swimmer-v5,gail,0,0.95,1100,,1000000\n"
                       "Swimmer-v5,ppo,0,1.02,1000,,1000000\n"
                       "Swimmer-v5,reopt-gail,0,0.7,990,,1000000\n"
                       "Swimmer-v5,airl,0,0.91,1250,,1000000\n"
                       "Swimmer-v5,gail,1,0.97,1210,,1000000\n")  # seed 1: no plain run beside it
    n = docs_results.add(results, settings="", export="", commit="abc1234", command="python x", date="2026-12-07",
                         data=data, overhead=True)
    added = docs_results.read_csv(data / "benchmark.csv")[-n:]
    assert [(r["learner"], r["seed"], r["imitator"], r["reoptimized"], r["ppo"], r["overhead"]) for r in added] == [
        ("gail", "0", "0.95", "0.7", "1.02", "1.10"), ("airl", "0", "0.91", "", "1.02", "1.25"),
        ("gail", "1", "0.97", "", "", "")]
    (tmp_path / "again").mkdir()
    repo, data = _copy(tmp_path / "again")
    docs_results.add(results, settings="", export="", commit="abc1234", command="python x", date="2026-12-07",
                     data=data)  # not run under one load: no overhead
    assert [r["overhead"] for r in docs_results.read_csv(data / "benchmark.csv")[-n:]] == ["", "", ""]
