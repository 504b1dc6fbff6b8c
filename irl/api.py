"""The library's front door: collect demonstrations, train, evaluate.

The CLI (:mod:`irl.cli`) is a thin layer over these functions.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import torch

from irl import run_dir
from irl.config import TrainConfig
from irl.demos import DemoSet, card_for, load_demos, record_episodes, save_demos
from irl.errors import DemoError
from irl.evaluation import evaluate_policy, normalized_return, random_returns
from irl.progress import RoundProgress
from irl.sb3_adapter import Policy, make_env
from irl.spaces import check_supported
from irl.trainer import AdversarialTrainer, Scores


def collect(env_id: str, expert: str | Path, *, episodes: int, out: str | Path, seed: int = 0,
            random_episodes: int = 20, overwrite: bool = False) -> DemoSet:
    """Record ``episodes`` episodes of an SB3 policy (stochastic actions) into ``out``,
    with a card holding the expert's and a uniform-random policy's returns."""
    out = Path(out)
    if out.exists() and not overwrite:
        raise DemoError(f"{out} already exists; pass --overwrite to replace it")
    policy = Policy(expert)
    env = make_env(env_id)
    check_supported(env_id, env.observation_space, env.action_space)
    if policy.observation_space.shape != env.observation_space.shape:
        raise DemoError(f"the expert takes observations of shape {policy.observation_space.shape}, "
                        f"{env_id} gives {env.observation_space.shape}")
    t = record_episodes(policy.act, env, episodes=episodes, seed=seed)
    rand, _ = random_returns(env_id, episodes=random_episodes, seed=seed + 1_000_000)
    meta = card_for(env, env_id, t, random_return=float(rand.mean()), random_returns=rand.tolist(),
                    expert={"path": str(expert), "stochastic": True, "seed": seed})
    demos = DemoSet(t, meta)
    save_demos(out, demos, overwrite=overwrite)
    return demos


def scores_for(demos: DemoSet, env_id: str, *, seed: int = 0) -> Scores:
    """Expert return from the demos, random return from the card (measured if absent)."""
    expert = demos.expert_return
    if expert is None:
        raise DemoError("the demos carry neither rewards nor episode_returns in their metadata; "
                        "cannot score runs against the expert")
    random = demos.random_return
    if random is None:
        random = float(random_returns(env_id, episodes=20, seed=seed + 1_000_000)[0].mean())
    return Scores(expert=expert, random=random)


def train(config: TrainConfig, out: str | Path, *, overwrite: bool = False, progress: bool = True) -> dict:
    """Train ``config`` into the run folder ``out``; returns the final evaluation."""
    out = Path(out)
    run_dir.check_free(out, overwrite=overwrite)
    demos = load_demos(config.demos)
    scores = scores_for(demos, config.env_id, seed=config.seed)
    trainer = AdversarialTrainer(config, demos, scores=scores, tensorboard_log=str(out / "tb"))  # validates
    run_dir.prepare(out, overwrite=overwrite)
    (out / "config.json").write_text(config.to_json())
    (out / "scores.json").write_text(json.dumps({"expert": scores.expert, "random": scores.random,
                                                 "demo_episodes": demos.n_episodes,
                                                 "demo_fingerprint": demos.fingerprint()}, indent=2))
    log = run_dir.MetricsLog(out)
    rollout = trainer.generator.rollout_steps
    bar = RoundProgress(-(-config.total_steps // rollout) * rollout, enabled=progress, desc=f"{config.learner} {config.env_id}")

    def on_round(metrics: dict[str, float]) -> None:
        log(metrics)
        bar(metrics)

    trainer.log_round = on_round
    start = time.perf_counter()
    try:
        trainer.train()
    finally:
        bar.close()
        log.close()
    seconds = time.perf_counter() - start
    trainer.generator.save(out / "policy.zip")
    run_dir.save_energy(out, trainer.energy, trainer.spec.to_json(), learner=config.learner,
                        policy_reward=trainer.policy_reward)
    run_dir.plot_curves(out, f"{config.learner.upper()} on {config.env_id}")
    result = evaluate_run(out, episodes=config.eval_episodes, seed=config.seed)
    result["train_seconds"] = round(seconds, 2)
    result["steps_per_second"] = round(config.total_steps / seconds, 1)
    (out / "eval.json").write_text(json.dumps(result, indent=2))
    return result


def evaluate_run(run: str | Path, *, episodes: int = 20, seed: int = 0) -> dict:
    """True return of a run's policy (stochastic, as the demos were recorded), and its
    normalised score (0 = random, 1 = expert)."""
    run = Path(run)
    config = run_dir.read_config(run)
    scores = run_dir.read_json(run, "scores.json")
    torch.set_num_threads(config.torch_threads)
    returns, lengths = evaluate_policy(Policy(run / "policy.zip"), config.env_id, episodes=episodes,
                                       seed=seed + 100_000)
    mean = float(returns.mean())
    return {
        "env_id": config.env_id, "learner": config.learner, "episodes": episodes,
        "return_mean": mean, "return_std": float(returns.std()),
        "normalized_return": float(normalized_return(mean, expert=scores["expert"], random=scores["random"])),
        "expert_return": scores["expert"], "random_return": scores["random"],
        "mean_length": float(np.mean(lengths)),
    }
