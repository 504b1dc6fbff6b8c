"""One trial of a sweep, run into an ordinary run folder; no Ray.

A learner trial is ``irl train`` (:func:`irl.api.train`) into ``OUT/TASK/NAME``: continued
from the run's own checkpoint where one exists (bit for bit, as ``irl train --resume``), then,
where the spec asks, its reward exported (``irl export``) and a fresh PPO agent trained on
it alone (``irl retrain``). A plain trial is PPO (or SAC) on the true reward with the same
preset and budget. While a run trains, each new row of its metrics is handed to ``report``
(Ray Tune's ``tune.report`` when a sweep runs), from the trial's own thread.
"""

from __future__ import annotations

import csv
import json
import os
import threading
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any, Callable

from irl.runs.run_dir import POLICY_FILES, FolderKind, claim, peak_memory_mb
from irl.sweep.spec import Trial, read_json

PLAIN = FolderKind("plain run", (*POLICY_FILES, "episodes.csv", "eval.json"))
"""A plain agent's folder: its policy, its training episodes and its evaluation."""

Report = Callable[[dict[str, Any]], None]


def run_trial(trial: Trial, out: Path, report: Report, *, poll_seconds: float = 0.5) -> dict[str, Any]:
    """Run ``trial`` under the sweep folder ``out``; every line it prints goes to its log
    (OUT/TASK/NAME.log). Returns, and reports last, the trial's final figures:
    normalized_return (the last training episodes'), eval_normalized_return and, with
    re-optimisation, reopt_normalized_return."""
    if trial.workdir:  # a run made with a relative demos path (a worker of its own: the change stays in it)
        os.chdir(trial.workdir)
    log = trial.log(out)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as f, redirect_stdout(f), redirect_stderr(f):
        run = _plain if trial.plain else _learner
        final = run(trial, out, report, poll_seconds)
    report(final)
    return final


def _learner(trial: Trial, out: Path, report: Report, poll_seconds: float) -> dict[str, Any]:
    from irl.api import train
    from irl.runs.config import EXPORT, SOURCES, TrainConfig

    run = trial.run(out)
    config = TrainConfig.from_json(json.dumps(trial.config))
    saved = read_json(run / "config.json")
    if not ((run / "eval.json").is_file() and saved and saved["total_steps"] == config.total_steps):
        resume = any((run / c / "state.json").is_file() for c in ("checkpoint", ".checkpoint.old"))
        rows = _MetricsRows(run / "metrics.csv")
        _with_reports(lambda: train(config, run, overwrite=not resume, resume=resume, progress=False,
                                    checkpoint_every=trial.checkpoint_every, sources=trial.config.get(SOURCES),
                                    export=trial.config.get(EXPORT)),
                      rows, report, poll_seconds)
    final = {"normalized_return": last_score(run),
             "eval_normalized_return": json.loads((run / "eval.json").read_text())["normalized_return"],
             "steps": config.total_steps}
    if trial.reoptimize:
        final["reopt_normalized_return"] = _reoptimize(trial, out)["normalized_return"]
    return final


def _reoptimize(trial: Trial, out: Path) -> dict[str, Any]:
    """Export the run's reward beside it and train a fresh PPO agent on it alone (same budget and seed)."""
    from irl.api import retrain
    from irl.rewards.artifact import export_reward

    done = read_json(trial.reopt(out) / "eval.json")
    if done is not None:
        return done
    steps, episodes = trial.config["total_steps"], trial.config["eval_episodes"]
    reward = export_reward(trial.run(out), trial.reward(out), overwrite=True, **trial.export)
    return retrain(reward, trial.task, steps=steps, seed=trial.seed, out=trial.reopt(out), overwrite=True,
                   progress=False, eval_episodes=episodes)


def last_score(run: Path) -> float:
    """The normalised return of a run's latest training episodes (NaN where none has ended)."""
    return _MetricsRows(run / "metrics.csv").last_score()


def _plain(trial: Trial, out: Path, report: Report, poll_seconds: float) -> dict[str, Any]:
    run = trial.run(out)
    if not (run / "eval.json").is_file():
        rows: list[dict[str, Any]] = []
        c = trial.config

        def drain() -> list[dict[str, Any]]:
            taken = rows[:]
            del rows[:len(taken)]
            return taken

        _with_reports(lambda: plain_agent(c["algo"], trial.task, trial.seed, c["total_steps"], run, c["demos"],
                                          eval_episodes=c["eval_episodes"], on_episode=rows.append,
                                          hyper=c.get("hyper")),
                      drain, report, poll_seconds)
    result = json.loads((run / "eval.json").read_text())
    return {"normalized_return": result["normalized_return"], "eval_normalized_return": result["normalized_return"],
            "steps": trial.config["total_steps"]}


def _with_reports(work: Callable[[], Any], new_rows: Callable[[], list[dict[str, Any]]], report: Report,
                  poll_seconds: float) -> Any:
    """Run ``work`` in a thread; meanwhile, from this one, ``report`` each row ``new_rows`` finds."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = work()
        except BaseException as e:  # noqa: BLE001 - re-raised below, in the trial's own thread
            box["error"] = e

    thread = threading.Thread(target=target, name="irl-trial", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(poll_seconds)
        for row in new_rows():
            report(row)
    for row in new_rows():
        report(row)
    if "error" in box:
        raise box["error"]
    return box.get("result")


class _MetricsRows:
    """The rows of a run's metrics.csv not yet handed out, as {normalized_return, steps, round}
    (rows of rounds in which no episode ended carry the last score)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.last_round = 0
        self.score = float("nan")

    def __call__(self) -> list[dict[str, Any]]:
        new = []
        for row in self._complete_rows():
            if row.get("normalized_return"):
                self.score = float(row["normalized_return"])
            if int(row["round"]) > self.last_round:
                self.last_round = int(row["round"])
                new.append({"normalized_return": self.score, "steps": int(row["steps"]), "round": self.last_round})
        return new

    def last_score(self) -> float:
        self()
        return self.score

    def _complete_rows(self) -> list[dict[str, str]]:
        try:
            text = self.path.read_text()
        except OSError:
            return []
        lines = text.split("\n")[:-1]  # the last piece is a row being written, or ''
        return [r for r in csv.DictReader(lines) if r.get("round")]


def plain_agent(algo: str, env_id: str, seed: int, steps: int, out: Path, demos: str, *, eval_episodes: int = 20,
                on_episode: Callable[[dict[str, Any]], None] | None = None,
                hyper: dict[str, Any] | None = None) -> dict[str, Any]:
    """Plain PPO or SAC on the true reward into ``out``: policy.zip, episodes.csv (steps,
    ep_return of every training episode) and eval.json (as a run's). ``hyper``: its settings,
    those of the learner runs beside it (default: the task's recipe). ``on_episode`` gets
    {normalized_return, steps, episode} after each training episode."""
    import torch

    from irl.api import scores_for
    from irl.data.demos import load_demos
    from irl.rl.policy_io import Policy, save_agent
    from irl.rl.presets import preset
    from irl.rl.sb3_adapter import train_on_true_reward
    from irl.runs.evaluation import evaluate_policy, normalized_return

    torch.set_num_threads(1)
    claim(out, PLAIN, overwrite=True)  # what a stopped attempt left goes; anything else is refused
    scores = scores_for(load_demos(demos), env_id, seed=seed)
    rows: list[tuple[int, float]] = []

    def log_episode(step: int, ret: float) -> None:
        rows.append((step, ret))
        if on_episode is not None:
            score = normalized_return(ret, expert=scores.expert, random=scores.random) if scores else float("nan")
            on_episode({"normalized_return": float(score), "steps": step, "episode": len(rows)})

    start = time.perf_counter()
    hyper = preset(algo, env_id) if hyper is None else hyper
    agent, venv = train_on_true_reward(env_id, algo=algo, hyper=hyper, seed=seed,
                                       total_steps=steps, log_episode=log_episode)
    seconds = time.perf_counter() - start
    save_agent(agent, venv, out / "policy.zip")
    with (out / "episodes.csv").open("w", newline="") as f:
        csv.writer(f).writerows([("steps", "ep_return"), *rows])
    returns, _ = evaluate_policy(Policy(out / "policy.zip"), env_id, episodes=eval_episodes, seed=seed + 100_000)
    mean = float(returns.mean())
    result = {"env_id": env_id, "learner": f"{algo}-true-reward", "return_mean": mean, "return_std": float(returns.std()),
              "normalized_return": None if scores is None else
              float(normalized_return(mean, expert=scores.expert, random=scores.random)),
              "expert_return": None if scores is None else scores.expert,
              "random_return": None if scores is None else scores.random, "train_seconds": round(seconds, 2),
              "steps_per_second": round(steps / seconds, 1), "peak_memory_mb": peak_memory_mb(),
              "hyperparameters": hyper}
    (out / "eval.json").write_text(json.dumps(result, indent=2))
    return result
