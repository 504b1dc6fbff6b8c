"""The run folder's per-round figures."""

import numpy as np
import pytest

from irl.run_dir import MetricsLog, read_metrics


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
