"""scripts/reopt_report.py: each fresh agent's score beside the imitator whose reward it learned on."""

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
sys.path.insert(0, str(SCRIPTS))
from reopt_report import Pair, pairs_from_rows, read_pairs, table, write_pairs  # noqa: E402


def _row(env, learner, seed, score):
    return {"env": env, "learner": learner, "seed": seed, "normalized_return": score}


def test_rows_pair_by_task_learner_and_seed():
    rows = [_row("Hopper-v5", "gail", 0, 1.2), _row("Hopper-v5", "gail", 1, 0.7),
            _row("Hopper-v5", "reopt-gail", 1, 0.4), _row("Hopper-v5", "reopt-gail", 0, 0.45),
            _row("Pendulum-v1", "reopt-gail", 0, -0.4),  # its imitator is in another table: no pair
            _row("Hopper-v5", "airl", 0, 0.9), _row("Hopper-v5", "ppo", 0, 1.25)]
    pairs = pairs_from_rows(rows, recipe="--bc-epochs 100")
    assert sorted((p.task, p.learner, p.seed, p.imitator, p.reoptimized) for p in pairs) == [
        ("Hopper-v5", "gail", 0, 1.2, 0.45), ("Hopper-v5", "gail", 1, 0.7, 0.4)]
    assert {p.recipe for p in pairs} == {"--bc-epochs 100"}


def test_table_groups_seeds_and_states_mean_std_and_each_pair():
    pairs = [Pair(task="Hopper-v5", learner="gcl", recipe="", seed=s, imitator=i, reoptimized=r)
             for s, i, r in [(1, 0.2, 0.5), (0, 0.4, 0.9)]]
    pairs.append(Pair(task="Hopper-v5", learner="gcl", recipe="export --end-value floor", seed=0, imitator=0.4,
                      reoptimized=0.1))
    lines = table(pairs).splitlines()
    assert len(lines) == 4  # header, rule, two recipes
    assert lines[2] == "| Hopper-v5 | GCL | defaults | 2 | 0.300 ± 0.100 | 0.700 ± 0.200 | 0: 0.400 → 0.900, 1: 0.200 → 0.500 |"
    assert lines[3].startswith("| Hopper-v5 | GCL | export --end-value floor | 1 | 0.400 | 0.100 |")


def test_csv_round_trip_and_clear_errors(tmp_path):
    pairs = [Pair(task="HalfCheetah-v5", learner="airl", recipe="--reward neg_energy", seed=2, imitator=1.063,
                  reoptimized=0.261, source="docs/benchmarks/results-hc-reopt.md")]
    write_pairs(tmp_path / "p.csv", pairs)
    assert read_pairs(tmp_path / "p.csv") == pairs
    (tmp_path / "cols.csv").write_text("task,learner,seed,imitator\nHopper-v5,gail,0,1.0\n")
    with pytest.raises(ValueError, match="missing recipe, reoptimized"):
        read_pairs(tmp_path / "cols.csv")
    (tmp_path / "nan.csv").write_text("task,learner,recipe,seed,imitator,reoptimized\nHopper-v5,gail,,0,1.0,nan\n")
    with pytest.raises(ValueError, match="line 2: .*reoptimized must be finite"):
        read_pairs(tmp_path / "nan.csv")
    (tmp_path / "seed.csv").write_text("task,learner,recipe,seed,imitator,reoptimized\nHopper-v5,gail,,zero,1,0\n")
    with pytest.raises(ValueError, match="line 2: invalid literal"):
        read_pairs(tmp_path / "seed.csv")


def test_script_writes_table_and_plot_and_refuses_bad_csv_in_one_line(tmp_path):
    pairs = [Pair(task=t, learner=lrn, recipe="", seed=s, imitator=0.9, reoptimized=0.1 * s)
             for t in ("Hopper-v5", "Pendulum-v1") for lrn in ("gail", "airl") for s in range(3)]
    write_pairs(tmp_path / "pairs.csv", pairs)
    proc = subprocess.run([sys.executable, str(SCRIPTS / "reopt_report.py"), str(tmp_path / "pairs.csv"),
                           "--out", str(tmp_path / "summary")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "summary.md").read_text().count("\n") == 6  # header, rule, 4 groups
    assert (tmp_path / "summary.png").stat().st_size > 10_000
    (tmp_path / "bad.csv").write_text("task,learner\n")
    proc = subprocess.run([sys.executable, str(SCRIPTS / "reopt_report.py"), str(tmp_path / "bad.csv"),
                           "--out", str(tmp_path / "bad")], capture_output=True, text=True)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and "missing recipe, seed" in proc.stderr
