"""The run folder's per-round figures."""

import numpy as np
import pytest

from irl.runs.run_dir import MetricsLog, read_metrics


def test_metrics_keep_step_counts_exact_past_a_million(tmp_path):
    log = MetricsLog(tmp_path)
    log({"round": 1954, "steps": 1_000_448, "seconds": 1818.0623, "disc_loss": 0.123456789})
    log({"round": 1955, "steps": np.int64(1_000_960), "seconds": 1819.0, "disc_loss": 0.1})
    log.close()
    metrics = read_metrics(tmp_path)
    np.testing.assert_array_equal(metrics["steps"], [1_000_448, 1_000_960])  # not 1.00045e+06
    np.testing.assert_array_equal(metrics["round"], [1954, 1955])
    assert metrics["disc_loss"][0] == pytest.approx(0.123457, abs=1e-9)  # figures: 6 significant digits
    assert np.isnan(metrics["ep_return"]).all()  # a figure not logged stays empty


# --- which folders irl writes into, and what --overwrite removes ---

import json  # noqa: E402

from irl.errors import RunDirError  # noqa: E402
from irl.runs import run_dir  # noqa: E402
from irl.runs.config import TrainConfig  # noqa: E402


def _legacy_run(folder):
    """A run folder as irl wrote it before it marked its folders: config.json and no marker."""
    folder.mkdir()
    config = TrainConfig(learner="gail", env_id="Pendulum-v1", demos="d.npz", total_steps=1000)
    (folder / "config.json").write_text(config.to_json())
    (folder / "metrics.csv").write_text("round,steps\n")
    (folder / "tb").mkdir()
    (folder / "tb" / "events").write_text("x")
    return folder


def test_overwrite_removes_only_what_irl_wrote(tmp_path):
    out = run_dir.claim(tmp_path / "run", run_dir.RUN)
    (out / "config.json").write_text("{}")
    (out / "checkpoint").mkdir()
    (out / "checkpoint" / "state.json").write_text("{}")
    with pytest.raises(RunDirError, match="already holds a run; pass --overwrite"):
        run_dir.claim(out, run_dir.RUN)
    run_dir.claim(out, run_dir.RUN, overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == [run_dir.OWNER]  # the marker alone is left
    owner = json.loads((out / run_dir.OWNER).read_text())
    assert owner["kind"] == "run" and "config.json" in owner["files"] and "checkpoint" in owner["files"]


@pytest.mark.parametrize("marked", [True, False])
def test_a_folder_holding_anything_irl_did_not_write_is_refused_and_left_alone(tmp_path, marked):
    out = run_dir.claim(tmp_path / "run", run_dir.RUN) if marked else _legacy_run(tmp_path / "run")
    (out / "config.json").write_text(TrainConfig(learner="gail", env_id="Pendulum-v1", demos="d.npz",
                                                 total_steps=1000).to_json())
    (out / "thesis.tex").write_text("years of work")
    for flags in ({}, {"overwrite": True}, {"keep": True}):
        with pytest.raises(RunDirError, match=r"holds files irl did not write \(thesis.tex\)"):
            run_dir.claim(out, run_dir.RUN, **flags)
    assert (out / "thesis.tex").read_text() == "years of work" and (out / "config.json").is_file()


def test_a_folder_irl_did_not_make_is_refused_even_with_irls_file_names(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "config.json").write_text('{"my": "settings"}')  # not a TrainConfig: not irl's
    with pytest.raises(RunDirError, match=r"holds files irl did not write \(config.json\)"):
        run_dir.check_writable(out, run_dir.RUN, overwrite=True)
    assert (out / "config.json").read_text() == '{"my": "settings"}'


def test_new_empty_and_legacy_folders(tmp_path):
    run_dir.claim(tmp_path / "new" / "run", run_dir.RUN)  # parents made
    (tmp_path / "empty").mkdir()
    run_dir.claim(tmp_path / "empty", run_dir.RUN)
    legacy = _legacy_run(tmp_path / "legacy")
    with pytest.raises(RunDirError, match="already holds a run"):
        run_dir.check_writable(legacy, run_dir.RUN)
    run_dir.claim(legacy, run_dir.RUN, keep=True)  # a resumed run is marked, nothing removed
    assert (legacy / "tb" / "events").is_file() and (legacy / run_dir.OWNER).is_file()
    run_dir.claim(legacy, run_dir.RUN, overwrite=True)
    assert sorted(p.name for p in legacy.iterdir()) == [run_dir.OWNER]
    (tmp_path / "file").write_text("x")
    with pytest.raises(RunDirError, match="exists and is not a folder"):
        run_dir.check_writable(tmp_path / "file", run_dir.RUN, overwrite=True)


def test_a_folder_of_another_kind_is_refused(tmp_path):
    out = run_dir.claim(tmp_path / "re", run_dir.RETRAIN)
    (out / "eval.json").write_text("{}")
    with pytest.raises(RunDirError, match="holds an irl retrain run, not a run"):
        run_dir.claim(out, run_dir.RUN, overwrite=True)


def test_overwrite_unlinks_a_symlinked_entry_without_following_it(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine")
    out = run_dir.claim(tmp_path / "run", run_dir.RUN)
    (out / "tb").symlink_to(elsewhere, target_is_directory=True)
    run_dir.claim(out, run_dir.RUN, overwrite=True)
    assert not (out / "tb").exists() and (elsewhere / "keep.txt").read_text() == "mine"


# --- curves.png ---


def _curves_figure(tmp_path, monkeypatch, rows: list[dict], columns=MetricsLog.COLUMNS):
    figures = []
    monkeypatch.setattr(run_dir, "_save", lambda fig, path: figures.append(fig))
    log = MetricsLog(tmp_path, columns=columns) if columns is not MetricsLog.COLUMNS else MetricsLog(tmp_path)
    for row in rows:
        log(row)
    log.close()
    run_dir.plot_curves(tmp_path, "test")
    return figures[0]


def test_smoothed_curve_does_not_lag_at_the_end_of_a_short_run(tmp_path, monkeypatch):
    """A 30-round run whose score rises steadily: the smoothed line ends where the rounds end."""
    score = np.linspace(0.0, 0.87, 30)
    rows = [{"round": i + 1, "steps": 4096 * (i + 1), "ep_return": 1.0, "normalized_return": float(s),
             "acc_expert": 0.5, "acc_gen": 0.5} for i, s in enumerate(score)]
    ax = _curves_figure(tmp_path, monkeypatch, rows).axes[0]
    raw, smoothed = ax.lines[:2]
    assert smoothed.get_ydata()[-1] == pytest.approx(0.87, abs=1e-6)
    np.testing.assert_allclose(smoothed.get_ydata(), score, atol=1e-6)  # a straight line is its own average
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert raw.get_label() in labels and "policy (each round)" in labels and "policy (smoothed)" in labels


def test_smooth_averages_noise_away_in_the_middle():
    rng = np.random.default_rng(0)
    y = rng.normal(size=200)
    assert run_dir.smooth(y).std() < 0.5 * y.std()
    assert run_dir.smooth(y)[0] == y[0] and run_dir.smooth(y)[-1] == y[-1]
    assert len(run_dir.smooth(np.array([]))) == 0


def test_a_retrain_runs_metrics_are_per_episode_without_discriminator_columns(tmp_path, monkeypatch):
    rows = [{"episode": i + 1, "steps": 200 * (i + 1), "seconds": 0.1 * i, "ep_return": -1000.0 + 50 * i,
             "normalized_return": 0.05 * i} for i in range(12)]
    fig = _curves_figure(tmp_path, monkeypatch, rows, columns=MetricsLog.EPISODE_COLUMNS)
    header = (tmp_path / "metrics.csv").read_text().splitlines()[0]
    assert header == "episode,steps,seconds,ep_return,normalized_return"
    assert len(fig.axes) == 1  # no discriminator panel
    assert "policy (each episode)" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
