"""A sweep's trials on Ray Tune: one trial per CPU, retried from their own checkpoints.

Imported only when a sweep runs (``irl sweep``); the rest of :mod:`irl.sweep` needs no Ray.
Locally it starts Ray with one CPU per core (``num_cpus = os.cpu_count()``, a trial takes one);
with an address (``--address`` or ``RAY_ADDRESS``) it joins a running cluster, whose nodes must
see the sweep folder and the demos at the same paths (shared storage) and have irl installed.

A trial whose worker dies is started again (``max_failures`` times) and continues from its
run's own checkpoint, bit for bit (:func:`irl.sweep.trial.run_trial`); Tune's own
checkpoints are not used. Tune's experiment files go to OUT/tune.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any, Sequence

os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")  # Tune's own console reporter off (verbose=0): the live view shows
import ray  # noqa: E402
from ray import tune  # noqa: E402
from ray.tune.schedulers import ASHAScheduler  # noqa: E402

from irl.sweep.live import LiveView  # noqa: E402
from irl.sweep.spec import Search, SweepSpec, Trial, read_json, with_settings  # noqa: E402
from irl.sweep.trial import last_score, run_trial  # noqa: E402

METRIC = "normalized_return"
"""What each trial reports every round: the normalised return of its latest training episodes."""


def run_sweep(spec: SweepSpec, out: Path, *, states: dict[str, str], address: str | None = None,
              jobs: int | None = None, max_failures: int = 2, view: LiveView | None = None,
              callbacks: Sequence[tune.Callback] = ()) -> list[str]:
    """Run the trials of ``spec`` not yet finished (``states``: trial key -> :func:`irl.sweep.spec.state`)
    into ``out``; returns the names of the trials that failed (after their retries).

    Starts Ray where it is not running (``address``: a cluster's; else locally, one CPU per
    core) and stops it again after; ``jobs`` caps the trials running at once."""
    out = out.resolve()
    view = view or LiveView()
    for trial in spec.trials if spec.search is None else ():  # a search's trials appear as they start
        view.add(trial.key, trial.name, trial.task, "finished" if states[trial.key] == "finished" else "pending")
    todo = [t for t in spec.trials if states[t.key] != "finished"]
    searched = _searched(spec, out) if spec.search is not None else None
    left = len(todo) if searched is None else _samples(spec.search, *searched)
    if left == 0:
        view.close()
        return []
    started = not ray.is_initialized()
    if started:
        local = address is None and not os.environ.get("RAY_ADDRESS")
        ray.init(address=address, num_cpus=os.cpu_count() if local else None, include_dashboard=False,
                 log_to_driver=False, logging_level=logging.WARNING, configure_logging=True)
    logging.getLogger("ray.tune").setLevel(logging.WARNING)
    try:
        progress = _Progress(view)
        tuner = tune.Tuner(
            tune.with_resources(_trainable, {"cpu": 1}),
            param_space=_space(spec, todo, out),
            tune_config=_tune_config(spec, searched, jobs),
            run_config=tune.RunConfig(name="tune", storage_path=str(out), verbose=0,
                                      failure_config=tune.FailureConfig(max_failures=max_failures),
                                      callbacks=[progress, *callbacks]))
        results = tuner.fit()
        return [progress.name(r.config) for r in results if r.error is not None]
    finally:
        view.close()
        if started:
            ray.shutdown()


def trial_of(config: dict[str, Any]) -> Trial:
    """The trial a Tune config stands for: the grid's trial, or the search's with its sampled settings."""
    trial = Trial(**config["trial"])
    sampled = {k: v for k, v in config.items() if k not in ("trial", "out")}
    return with_settings(trial, sampled) if sampled else trial


def _trainable(config: dict[str, Any]) -> None:
    run_trial(trial_of(config), Path(config["out"]), tune.report)


def _space(spec: SweepSpec, todo: list[Trial], out: Path) -> dict[str, Any]:
    if spec.search is None:
        return {"trial": tune.grid_search([asdict(t) for t in todo]), "out": str(out)}
    return {"trial": asdict(spec.trials[0]), "out": str(out)}  # the searcher adds its sample


def _distributions(search: Search) -> dict[str, Any]:
    """The search space as Optuna's distributions (``randint``'s high included)."""
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    make = {"uniform": lambda lo, hi: FloatDistribution(lo, hi),
            "loguniform": lambda lo, hi: FloatDistribution(lo, hi, log=True),
            "randint": lambda lo, hi: IntDistribution(lo, hi), "choice": lambda *values: CategoricalDistribution(values)}
    return {name: make[kind](*args) for name, (kind, args) in search.space.items()}


def _tune_config(spec: SweepSpec, searched: tuple[list, list] | None, jobs: int | None) -> tune.TuneConfig:
    common = {"max_concurrent_trials": jobs, "reuse_actors": False,
              "trial_name_creator": lambda t: trial_of(t.config).name,
              "trial_dirname_creator": lambda t: trial_of(t.config).name}
    if spec.search is None:
        return tune.TuneConfig(num_samples=1, **common)
    import optuna
    from ray.tune.search.optuna import OptunaSearch

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    search = spec.search
    done, resume = searched
    searcher = OptunaSearch(space=_distributions(search), metric=METRIC, mode="max", seed=search.seed,
                            points_to_evaluate=resume or None)
    for settings, score in done:  # what earlier starts of this sweep found, told to the searcher
        searcher.add_evaluated_point(settings, score)
    scheduler = ASHAScheduler(time_attr="training_iteration", grace_period=search.grace_rounds,
                              reduction_factor=search.reduction_factor, max_t=10**6)
    return tune.TuneConfig(metric=METRIC, mode="max", num_samples=_samples(search, done, resume),
                           search_alg=searcher, scheduler=scheduler, **common)


def _samples(search: Search, done: list, resume: list) -> int:
    """Trials a search has left to run: its num_samples less the finished ones, at least the unfinished."""
    return max(search.num_samples - len(done), len(resume))


def _searched(spec: SweepSpec, out: Path) -> tuple[list[tuple[dict, float]], list[dict]]:
    """A search's trials already in ``out``: (settings, score) of the finished ones, settings of the
    rest (given to the searcher first, so that they resume from their checkpoints; one the
    scheduler stopped early is judged again, at once, on the rounds it reports from its metrics)."""
    base, names = spec.trials[0], list(spec.search.space)
    folder = base.run(out).parent
    done, resume = [], []
    for run in sorted(folder.glob(f"{base.learner}-*-seed{base.seed}")) if folder.is_dir() else []:
        config = read_json(run / "config.json")
        if config is None or with_settings(base, {k: config.get(k) for k in names}).name != run.name:
            continue
        settings = {k: config[k] for k in names}
        score = last_score(run)
        if (run / "eval.json").is_file() and math.isfinite(score):
            done.append((settings, score))
        else:
            resume.append(settings)
    return done, resume


class _Progress(tune.Callback):
    """Tune's trial events to the live view."""

    def __init__(self, view: LiveView) -> None:
        self.view = view

    def name(self, config: dict[str, Any]) -> str:
        return trial_of(config).key

    def _update(self, trial, **fields: Any) -> None:  # noqa: ANN001 - a Tune Trial
        t = trial_of(trial.config)
        self.view.update(t.key, name=t.name, task=t.task, **fields)

    def on_trial_start(self, iteration, trials, trial, **info) -> None:  # noqa: ANN001, ANN003
        self._update(trial, state="running")

    def on_trial_result(self, iteration, trials, trial, result, **info) -> None:  # noqa: ANN001, ANN003
        score = result.get("eval_normalized_return", result.get(METRIC))  # the final result: its evaluation
        self._update(trial, state="running", score=None if score is None or math.isnan(score) else float(score),
                     steps=result.get("steps"))

    def on_trial_recover(self, iteration, trials, trial, **info) -> None:  # noqa: ANN001, ANN003
        self._update(trial, state="retrying", note="its worker died; resuming from the run's checkpoint")

    def on_trial_error(self, iteration, trials, trial, **info) -> None:  # noqa: ANN001, ANN003
        where = Path(trial.config["out"]) / Trial(**trial.config["trial"]).log(Path()).parent
        self._update(trial, state="failed", note=f"see the trial's log in {where} and OUT/tune")

    def on_trial_complete(self, iteration, trials, trial, **info) -> None:  # noqa: ANN001, ANN003
        evaluated = "eval_normalized_return" in (trial.last_result or {})  # else the scheduler stopped it
        self._update(trial, state="done" if evaluated else "stopped")
