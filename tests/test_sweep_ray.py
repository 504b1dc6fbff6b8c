"""irl sweep on a local Ray (2 CPUs, one instance for the module): tiny Pendulum trials into run
folders, a trial whose worker is killed ends bit for bit as an uninterrupted one, a rerun skips
finished trials."""

import io
import json
import logging
import os
import signal
import time

import pytest

ray = pytest.importorskip("ray", reason='irl sweep runs on Ray Tune: pip install "irl[ray]"')
tune = pytest.importorskip("ray.tune", reason='irl sweep runs on Ray Tune: pip install "irl[ray]"')

from irl.sweep.live import LiveView  # noqa: E402
from irl.sweep.ray_backend import run_sweep  # noqa: E402
from irl.sweep.report import write_report  # noqa: E402
from irl.sweep.spec import parse_spec, state  # noqa: E402
from tests.test_checkpoint import _final_state  # noqa: E402

ROUNDS = 12
SPEC = {"learners": ["gail"], "tasks": ["Pendulum-v1"], "seeds": [0, 1], "steps": ROUNDS * 256, "checkpoint_every": 1,
        "settings": {"eval_episodes": 1, "ppo": {"n_envs": 2, "n_steps": 128, "batch_size": 128, "n_epochs": 2}}}
"""Two GAIL runs of 12 rounds of 256 steps, a checkpoint after every round."""


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
    yield
    ray.shutdown()


def _sweep(spec, out, **kwargs):
    view = LiveView(io.StringIO(), live=False)
    failed = run_sweep(spec, out, states={t.key: state(t, out) for t in spec.trials}, view=view, **kwargs)
    return failed, view.stream.getvalue()


@pytest.fixture(scope="module")
def straight(local_ray, tmp_path_factory):
    """The two trials, uninterrupted: (out, the live view's lines)."""
    out = tmp_path_factory.mktemp("straight")
    failed, lines = _sweep(parse_spec(SPEC), out)
    assert failed == [], lines
    return out, lines


def test_a_sweep_runs_each_trial_into_a_run_folder_and_reports_them(straight):
    out, lines = straight
    for seed in (0, 1):
        run = out / "Pendulum-v1" / f"gail-seed{seed}"
        assert json.loads((run / "irl-folder.json").read_text())["kind"] == "run"
        assert json.loads((run / "config.json").read_text())["seed"] == seed
        assert len((run / "metrics.csv").read_text().splitlines()) == 1 + ROUNDS
        assert f"done     gail-seed{seed}  Pendulum-v1  score " in lines, lines
    table = write_report(out)
    assert "| Pendulum-v1 | gail | 2 |" in table
    assert (out / "results.csv").read_text().count("\n") == 3 and (out / "curves-Pendulum-v1.png").is_file()


def test_a_rerun_skips_finished_trials_without_starting_them(straight):
    out, _ = straight
    evals = {p: p.stat().st_mtime_ns for p in out.glob("Pendulum-v1/*/eval.json")}
    start = time.perf_counter()
    failed, lines = _sweep(parse_spec(SPEC), out)
    assert failed == [] and time.perf_counter() - start < 5
    assert [line.split()[1] for line in lines.splitlines()] == ["finished", "finished"]
    assert {p: p.stat().st_mtime_ns for p in out.glob("Pendulum-v1/*/eval.json")} == evals


def test_a_rerun_continues_a_stopped_trial_from_its_checkpoint(local_ray, tmp_path):
    run = tmp_path / "Pendulum-v1" / "gail-seed0"
    failed, lines = _sweep(parse_spec({**SPEC, "seeds": [0], "steps": 2 * 256}), tmp_path)
    assert failed == [], lines
    (run / "eval.json").unlink()  # as if the sweep had been stopped after the trial's last checkpoint
    failed, lines = _sweep(parse_spec({**SPEC, "seeds": [0], "steps": 3 * 256}), tmp_path)
    assert failed == [], lines
    assert json.loads((run / "eval.json").read_text())["resumed"] is True
    assert len((run / "metrics.csv").read_text().splitlines()) == 1 + 3  # rounds 1-2 kept, round 3 added


class _KillOnce(tune.Callback):
    """Kills the worker of the trial (SIGKILL) at its first result after its first checkpoint."""

    def __init__(self, run):
        self.run, self.killed_at = run, None

    def on_trial_result(self, iteration, trials, trial, result, **info):
        checkpoint = self.run / "checkpoint" / "state.json"
        if self.killed_at is None and checkpoint.exists():
            self.killed_at = result["round"]
            os.kill(result["pid"], signal.SIGKILL)


def test_a_trial_whose_worker_dies_resumes_from_its_checkpoint_bit_for_bit(straight, tmp_path):
    spec = parse_spec({**SPEC, "seeds": [0]})
    run = tmp_path / "Pendulum-v1" / "gail-seed0"
    killer = _KillOnce(run)
    failed, lines = _sweep(spec, tmp_path, callbacks=[killer], max_failures=1)
    assert failed == [], lines
    assert killer.killed_at is not None and killer.killed_at < ROUNDS, "the trial finished before it could be killed"
    assert "retrying gail-seed0" in lines and "done     gail-seed0" in lines, lines
    assert json.loads((run / "eval.json").read_text())["resumed"] is True
    reference = straight[0] / "Pendulum-v1" / "gail-seed0"
    (tensors_a, meta_a), (tensors_b, meta_b) = _final_state(reference), _final_state(run)
    meta_a.pop("seconds"), meta_b.pop("seconds")  # wall-clock training time, all that may differ
    assert meta_a == meta_b and meta_a["round"] == ROUNDS
    assert all(tensors_a[k].equal(tensors_b[k]) for k in tensors_a) and set(tensors_a) == set(tensors_b)

    def figures(path):  # metrics.csv without its wall-clock column
        return [line.split(",")[:2] + line.split(",")[3:] for line in path.read_text().splitlines()]

    assert figures(run / "metrics.csv") == figures(reference / "metrics.csv")
    eval_a, eval_b = (json.loads((r / "eval.json").read_text()) for r in (reference, run))
    assert eval_a["return_mean"] == eval_b["return_mean"]


def test_a_search_runs_its_samples_named_by_their_settings_and_a_rerun_runs_none(local_ray, tmp_path):
    search = {"num_samples": 2, "seed": 0, "grace_rounds": 10,  # ASHA judges no trial of 2 rounds
              "space": {"disc_lr": {"loguniform": [1e-4, 1e-2]}, "bc_epochs": {"choice": [0, 1]}}}
    spec = parse_spec({**SPEC, "seeds": [0], "steps": 2 * 256, "search": search})
    failed, lines = _sweep(spec, tmp_path)
    assert failed == [], lines
    runs = sorted(tmp_path.glob("Pendulum-v1/gail-disc_lr=*-bc_epochs=*-seed0"))
    assert len(runs) == 2, lines
    for run in runs:
        config = json.loads((run / "config.json").read_text())
        assert 1e-4 <= config["disc_lr"] <= 1e-2 and config["bc_epochs"] in (0, 1)
        assert run.name == f"gail-disc_lr={config['disc_lr']:.4g}-bc_epochs={config['bc_epochs']}-seed0"
        assert (run / "eval.json").is_file(), lines
    start = time.perf_counter()  # nothing left: the rerun starts nothing
    assert _sweep(spec, tmp_path) == ([], "") and time.perf_counter() - start < 5
