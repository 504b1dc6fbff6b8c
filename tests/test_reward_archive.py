"""scripts/reward_archive.py: each results row added from a benchmark keeps the reward it
measured, loadable, with the row's numbers and the two learning curves beside it."""

import csv
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from irl.rewards.artifact import export_reward, load_reward
from tests.test_docs_results import _copy, docs_results
from tests.test_reward_artifact import fake_run

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("reward_archive", REPO / "scripts" / "reward_archive.py")
reward_archive = importlib.util.module_from_spec(_spec)
sys.modules["reward_archive"] = reward_archive
_spec.loader.exec_module(reward_archive)


def _write(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def fake_benchmark(tmp_path: Path, steps: int = 1000) -> Path:
    """A benchmark --reoptimize folder with one finished pair (AIRL, Pendulum-v1, seed 0)."""
    sweep = tmp_path / "bench"
    run, _, _ = fake_run(tmp_path, "airl", "Pendulum-v1")
    task = sweep / "Pendulum-v1"
    export_reward(run, task / "reopt-airl-seed0.reward")
    # the fresh agent: 250 episodes of 4 steps, return = its end step
    _write(task / "reopt-airl-seed0" / "metrics.csv",
           [{"episode": i + 1, "steps": 4 * (i + 1), "seconds": 0.1, "ep_return": 4.0 * (i + 1),
             "normalized_return": (i + 1) / 250} for i in range(250)])
    _write(task / "airl-seed0" / "metrics.csv",
           [{"round": i + 1, "steps": 8 * (i + 1), "normalized_return": i / 124, "disc_loss": 0.7} for i in range(125)])
    (sweep / "reoptimization.csv").write_text("task,learner,recipe,steps,seed,imitator,reoptimized\n"
                                              f"Pendulum-v1,airl,defaults,{steps},0,0.9,0.8\n")
    return sweep


def _added(data: Path) -> list[Path]:
    """The entries the fake benchmark added (commit abc1234; the copied archive also holds the committed ones)."""
    return [e for e in reward_archive.entries(data / "rewards") if "-abc1234-" in e.name]


def test_add_archives_the_reward_and_its_curves(tmp_path):
    repo, data = _copy(tmp_path)
    sweep = fake_benchmark(tmp_path)
    docs_results.add(sweep / "reoptimization.csv", settings="--entropy-weight 1", export="", commit="abc1234",
                     command="python x", date="2026-12-07", data=data)
    [entry] = _added(data)
    assert entry.parent.name == "Pendulum-v1" and entry.name.startswith("airl-seed0-abc1234-")
    result = json.loads((entry / "result.json").read_text())
    assert (result["settings"], result["imitator"], result["reoptimized"]) == ("--entropy-weight 1", "0.9", "0.8")
    assert sorted(p.name for p in (entry / "reward").iterdir()) == ["manifest.json", "reward.safetensors"]
    load_reward(entry / "reward", engine="torch")

    with (entry / "reopt-curve.csv").open() as f:
        curve = list(csv.DictReader(f))
    assert len(curve) == 100  # slices of 10 steps: episodes ending at 4k steps, 2 or 3 per slice
    first = curve[0]  # steps (0, 10]: the episodes ending at 4 and 8
    assert (first["steps"], first["episodes"], float(first["ep_return"])) == ("10", "2", 6.0)
    with (entry / "imitator-curve.csv").open() as f:
        rounds = list(csv.DictReader(f))
    assert len(rounds) == 100 and rounds[-1]["round"] == "125" and rounds[0]["round"] == "1"
    assert reward_archive.check(data / "benchmark.csv", data / "rewards") == []


def test_the_check_finds_an_entry_whose_numbers_or_files_drifted(tmp_path):
    repo, data = _copy(tmp_path)
    docs_results.add(fake_benchmark(tmp_path) / "reoptimization.csv", settings="", export="", commit="abc1234",
                     command="python x", date="2026-12-07", data=data)
    [entry] = _added(data)
    result = json.loads((entry / "result.json").read_text())
    (entry / "result.json").write_text(json.dumps(dict(result, reoptimized="0.95")))
    (entry / "reward" / "reward.safetensors").write_bytes(b"truncated")
    problems = reward_archive.check(data / "benchmark.csv", data / "rewards")
    assert len(problems) == 2
    assert "matches no row" in problems[0] and "does not load" in problems[1]


def test_the_same_measurement_is_not_archived_twice(tmp_path):
    repo, data = _copy(tmp_path)
    sweep = fake_benchmark(tmp_path)
    before = (data / "benchmark.csv").read_text()
    kwargs = dict(settings="", export="", commit="abc1234", command="python x", date="2026-12-07", data=data)
    docs_results.add(sweep / "reoptimization.csv", **kwargs)
    added = (data / "benchmark.csv").read_text()
    with pytest.raises(docs_results.ResultsError, match="already recorded"):
        docs_results.add(sweep / "reoptimization.csv", **kwargs)
    assert (data / "benchmark.csv").read_text() == added != before  # the refused add wrote no row


def test_a_row_without_an_exported_reward_archives_nothing(tmp_path):
    repo, data = _copy(tmp_path)
    pairs = tmp_path / "imitator-only.csv"
    pairs.write_text("task,learner,steps,seed,imitator,reoptimized\nPendulum-v1,airl,1000,0,0.9,\n")
    docs_results.add(pairs, settings="", export="", commit="abc1234", command="python x", date="2026-12-07",
                     data=data)
    assert _added(data) == []


def test_the_committed_archive_loads_and_matches_the_results_rows():
    assert reward_archive.check(REPO / "docs" / "results" / "benchmark.csv") == []


def test_slices_average_the_episodes_that_end_inside_them():
    rows = [{"steps": s, "ep_return": r, "normalized_return": ""} for s, r in [(5, 1.0), (10, 3.0), (95, 7.0)]]
    out = reward_archive._slices(rows, 100)
    assert [(o["steps"], o["episodes"], o["ep_return"], o["normalized_return"]) for o in out] == [
        (5, 1, 1.0, ""), (10, 1, 3.0, ""), (95, 1, 7.0, "")]  # slices with no episode ending are left out
    overrun = reward_archive._slices(rows, 10)  # the last episode ended after the budget: it is kept
    assert np.isclose(sum(o["ep_return"] * o["episodes"] for o in overrun), 11.0) and overrun[-1]["steps"] == 95


def test_plot_draws_the_entries_curves(tmp_path):
    repo, data = _copy(tmp_path)
    docs_results.add(fake_benchmark(tmp_path) / "reoptimization.csv", settings="", export="", commit="abc1234",
                     command="python x", date="2026-12-07", data=data)
    out = reward_archive.plot(_added(data), tmp_path / "curves.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
