"""scripts/reopt_report.py: each fresh agent's score beside the imitator whose reward it learned on."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
_spec = importlib.util.spec_from_file_location("reopt_report", SCRIPTS / "reopt_report.py")
reopt_report = importlib.util.module_from_spec(_spec)
sys.modules["reopt_report"] = reopt_report  # dataclasses look their module up by name
_spec.loader.exec_module(reopt_report)
Pair, pairs_from_rows, read_pairs, table, write_pairs = (reopt_report.Pair, reopt_report.pairs_from_rows,
                                                         reopt_report.read_pairs, reopt_report.table,
                                                         reopt_report.write_pairs)


def _row(env, learner, seed, score, recipe="bc_epochs=100"):
    return {"env": env, "learner": learner, "seed": seed, "normalized_return": score, "recipe": recipe,
            "steps": 1_000_000}


def test_rows_pair_by_task_learner_and_seed(capsys):
    rows = [_row("Hopper-v5", "gail", 0, 1.2), _row("Hopper-v5", "gail", 1, 0.7),
            _row("Hopper-v5", "reopt-gail", 1, 0.4), _row("Hopper-v5", "reopt-gail", 0, 0.45),
            _row("Pendulum-v1", "reopt-gail", 0, -0.4),  # its imitator is in another table: no pair
            _row("Hopper-v5", "airl", 0, 0.9), _row("Hopper-v5", "ppo", 0, 1.25, recipe=""),
            _row("Walker2d-v5", "gcl", 0, None), _row("Walker2d-v5", "reopt-gcl", 0, 0.3)]  # no normalised score
    pairs = pairs_from_rows(rows)
    assert sorted((p.task, p.learner, p.seed, p.imitator, p.reoptimized) for p in pairs) == [
        ("Hopper-v5", "gail", 0, 1.2, 0.45), ("Hopper-v5", "gail", 1, 0.7, 0.4)]
    assert {(p.recipe, p.steps) for p in pairs} == {("bc_epochs=100", 1_000_000)}
    assert "left out Walker2d-v5 gcl seed 0" in capsys.readouterr().err


def test_table_groups_seeds_and_states_mean_std_and_each_pair():
    pairs = [Pair(task="Hopper-v5", learner="gcl", recipe="", steps=1_000_000, seed=s, imitator=i, reoptimized=r)
             for s, i, r in [(1, 0.2, 0.5), (0, 0.4, 0.9)]]
    pairs.append(Pair(task="Hopper-v5", learner="gcl", recipe="export end_value=floor", steps=1_000_000, seed=0,
                      imitator=0.4, reoptimized=0.1))
    pairs.append(Pair(task="Hopper-v5", learner="gcl", recipe="", steps=2048, seed=0, imitator=0.0, reoptimized=0.0))
    lines = table(pairs).splitlines()
    assert len(lines) == 5  # header, rule, two recipes at 1M, one budget more
    assert lines[2] == ("| Hopper-v5 | GCL | defaults | 1,000,000 | 2 | 0.300 ± 0.100 | 0.700 ± 0.200 "
                        "| 0: 0.400 → 0.900, 1: 0.200 → 0.500 |")
    assert lines[3].startswith("| Hopper-v5 | GCL | export end_value=floor | 1,000,000 | 1 | 0.400 | 0.100 |")
    assert lines[4].startswith("| Hopper-v5 | GCL | defaults | 2,048 | 1 |")


def test_csv_round_trip_and_clear_errors(tmp_path):
    pairs = [Pair(task="HalfCheetah-v5", learner="airl", recipe="policy_reward=neg_energy", steps=1_000_000, seed=2,
                  imitator=1.063, reoptimized=0.261, source="docs/benchmarks/results-hc-reopt.md")]
    write_pairs(tmp_path / "p.csv", pairs)
    assert read_pairs(tmp_path / "p.csv") == pairs
    (tmp_path / "cols.csv").write_text("task,learner,seed,imitator\nHopper-v5,gail,0,1.0\n")
    with pytest.raises(ValueError, match="missing recipe, steps, reoptimized"):
        read_pairs(tmp_path / "cols.csv")
    header = "task,learner,recipe,steps,seed,imitator,reoptimized\n"
    (tmp_path / "nan.csv").write_text(header + "Hopper-v5,gail,,1000,0,1.0,0.5\n\nHopper-v5,gail,,1000,1,1.0,nan\n")
    with pytest.raises(ValueError, match="line 4: .*reoptimized must be finite"):  # the file's line, blank counted
        read_pairs(tmp_path / "nan.csv")
    (tmp_path / "seed.csv").write_text(header + "Hopper-v5,gail,,1000,zero,1,0\n")
    with pytest.raises(ValueError, match="line 2: invalid literal"):
        read_pairs(tmp_path / "seed.csv")


def test_script_writes_table_and_plot_and_refuses_bad_csv_in_one_line(tmp_path):
    pairs = [Pair(task=t, learner=lrn, recipe="", steps=1000, seed=s, imitator=0.9, reoptimized=0.1 * s)
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
    assert proc.stderr.strip().count("\n") == 0 and "missing recipe, steps, seed" in proc.stderr


def test_gather_labels_each_benchmark_folder(tmp_path):
    header = "task,learner,recipe,steps,seed,imitator,reoptimized,source\n"
    for name, fresh in (("before", 0.7), ("after", 0.2)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "reoptimization.csv").write_text(header + f"Pendulum-v1,airl,,120000,1,0.9,{fresh},\n")
    script = Path(__file__).resolve().parents[1] / "scripts" / "reopt_report.py"
    proc = subprocess.run([sys.executable, str(script), "--gather", f"code A={tmp_path / 'before'}",
                           f"code B={tmp_path / 'after'}", "--out", str(tmp_path / "both")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "both.md").read_text()
    assert "| Pendulum-v1 | AIRL | code A | 120,000 | 1 | 0.900 | 0.700 |" in text
    assert "| Pendulum-v1 | AIRL | code B | 120,000 | 1 | 0.900 | 0.200 |" in text
    assert "code B" in (tmp_path / "both.csv").read_text()
