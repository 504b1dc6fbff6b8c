"""The library's front door: collect demonstrations, train, evaluate.

The CLI (:mod:`irl.cli`) is a thin layer over these functions.
"""

from __future__ import annotations

import json
import time
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from irl.data.demos import (
    DemoSet,
    card_for,
    check_against_env,
    load_demos,
    record_episodes,
    save_demos,
)
from irl.data.spaces import check_supported
from irl.errors import ConfigError, DemoError
from irl.rewards.artifact import EXPORT_DEFAULTS, load_reward
from irl.rl.policy_io import Policy, save_agent
from irl.rl.presets import check_rl_table, preset, rollout_steps
from irl.rl.sb3_adapter import make_env, train_on_true_reward
from irl.runs import run_dir
from irl.runs.checkpoint import load_checkpoint, save_checkpoint
from irl.runs.config import EXPORT, SOURCES, TrainConfig, check_algo_fits
from irl.runs.evaluation import evaluate_policy, normalized_return, random_returns
from irl.runs.progress import RoundProgress, whole_rollouts
from irl.runs.trainer import AdversarialTrainer, Scores

RESUME_HINT = "pass --resume to continue it, --overwrite to replace it, or choose another --out"


def collect(env_id: str, expert: str | Path, *, episodes: int, out: str | Path, seed: int = 0,
            random_episodes: int = 20, overwrite: bool = False) -> DemoSet:
    """Record ``episodes`` episodes of an SB3 policy (stochastic actions) into ``out``,
    with a card holding the expert's and a uniform-random policy's returns."""
    check_counts(episodes=episodes, random_episodes=random_episodes)
    out = _free_demo_path(out, overwrite)
    policy = Policy(expert)
    env = _supported_env(env_id)
    if policy.observation_space.shape != env.observation_space.shape:
        raise DemoError(f"the expert takes observations of shape {policy.observation_space.shape}, "
                        f"{env_id} gives {env.observation_space.shape}")
    t = record_episodes(policy.act, env, episodes=episodes, seed=seed)
    rand, _ = random_returns(env_id, episodes=random_episodes, seed=seed + 1_000_000)
    meta = card_for(env, env_id, t, random_return=float(rand.mean()), random_returns=rand.tolist(),
                    expert={"path": str(expert), "stochastic": True, "seed": seed})
    demos = DemoSet(t, meta)
    save_demos(out, demos, overwrite=overwrite)
    demos.warn_if_weak(str(out))
    return demos


def convert(source: str | Path, env_id: str, *, out: str | Path, seed: int = 0, random_episodes: int = 20,
            time_limit: int | None = None, overwrite: bool = False) -> DemoSet:
    """Read demos in any format :func:`irl.data.demos.load_demos` knows, check them against
    ``env_id`` and write them as irl's .npz with a full card (spaces, returns, the
    random-policy return measured here). ``time_limit``: see
    :func:`irl.data.demos.check_against_env`."""
    check_counts(random_episodes=random_episodes)
    out = _free_demo_path(out, overwrite)
    demos = load_demos(source)
    env = _supported_env(env_id)
    demos = check_against_env(demos, env.observation_space, env.action_space, env_id, time_limit=time_limit)
    rand, _ = random_returns(env_id, episodes=random_episodes, seed=seed + 1_000_000)
    carried = {k: demos.metadata[k] for k in ("expert", "source", "ends") if k in demos.metadata}
    meta = card_for(env, env_id, demos.transitions, random_return=float(rand.mean()), random_returns=rand.tolist(),
                    converted_from=str(source), **carried)
    converted = DemoSet(demos.transitions, meta)
    save_demos(out, converted, overwrite=overwrite)
    converted.warn_if_weak(str(out))
    return converted


def check_counts(**counts: int) -> None:
    """ConfigError unless every count (episodes, steps) is a whole number >= 1."""
    for name, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ConfigError(f"{name} must be a whole number >= 1, found {value!r}")


def _free_demo_path(out: str | Path, overwrite: bool) -> Path:
    """``out`` if irl may write demos there: a new path, or (``overwrite``) a demo file irl wrote."""
    out = Path(out)
    if out.is_dir():
        raise DemoError(f"{out} is a folder; give the path of the .npz file to write")
    if out.exists() and not overwrite:
        raise DemoError(f"{out} already exists; pass --overwrite to replace it")
    if out.exists() and not _is_irl_demo_file(out):
        raise DemoError(f"{out} is not a demo file irl wrote; refusing to replace it: choose another --out")
    return out


def _is_irl_demo_file(path: Path) -> bool:
    """An .npz whose metadata says irl wrote it (read without unpickling)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["metadata"]))
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, TypeError):
        return False
    return isinstance(meta, dict) and meta.get("format") == "irl-demos"


def _supported_env(env_id: str):  # noqa: ANN202 - a gymnasium Env
    env = make_env(env_id)
    check_supported(env_id, env.observation_space, env.action_space)
    return env


def scores_for(demos: DemoSet, env_id: str, *, seed: int = 0) -> Scores | None:
    """Expert return from the demos, random return from the card (measured if absent);
    None (with a warning) for demos without rewards: runs then report true returns only."""
    expert = demos.expert_return
    if expert is None:
        warnings.warn("the demos carry neither rewards nor episode_returns: runs report true returns, "
                      "not normalised scores", stacklevel=2)
        return None
    random = demos.random_return
    if random is None:
        random = float(random_returns(env_id, episodes=20, seed=seed + 1_000_000)[0].mean())
    return Scores(expert=expert, random=random)


def train(config: TrainConfig, out: str | Path, *, overwrite: bool = False, progress: bool = True,
          resume: bool = False, checkpoint_every: int = 10, sources: dict[str, str] | None = None,
          export: dict[str, str] | None = None) -> dict:
    """Train ``config`` into the run folder ``out``; returns the final evaluation.

    ``config`` is used as it is: no recipe is applied here. To train with a task's recipe,
    build the config with :func:`irl.runs.recipes.resolve` and pass its ``sources`` (where
    each setting came from) and ``export`` (the recipe's ``irl export`` settings for this
    learner, which :func:`irl.rewards.artifact.export_reward` then uses unless told
    otherwise); config.json records both beside the settings.

    A checkpoint (:mod:`irl.runs.checkpoint`) is written every ``checkpoint_every`` rounds
    and at the end; ``resume`` continues the run in ``out`` from its checkpoint, bit for
    bit as if it had not stopped (``config`` must be the run's own, except that a larger
    ``total_steps`` trains it further, the same as a run started with that budget).
    """
    out = Path(out)
    if checkpoint_every < 1:
        raise ConfigError(f"checkpoint_every must be >= 1 round, got {checkpoint_every}")
    if resume:
        run_dir.check_resumable(out, config)
    else:
        run_dir.check_writable(out, run_dir.RUN, overwrite=overwrite, hint=RESUME_HINT)
    demos = load_demos(config.demos)
    demos.warn_if_weak(config.demos)
    scores = scores_for(demos, config.env_id, seed=config.seed)
    if resume:
        saved = json.loads((out / "config.json").read_text())  # keep the records of the first call
        sources = saved.get(SOURCES) if sources is None else sources
        export = saved.get(EXPORT) if export is None else export
    end_value = (export or {}).get("end_value", EXPORT_DEFAULTS["end_value"])
    trainer = AdversarialTrainer(config, demos, scores=scores, tensorboard_log=str(out / "tb"),  # validates
                                 end_value=end_value)
    if resume:
        trainer.load_state(*load_checkpoint(out))
        run_dir.claim(out, run_dir.RUN, keep=True)
        (out / "config.json").write_text(config.to_json(sources, export))  # the same, or a longer budget
    else:  # a previous run's files go first (its old TensorBoard logs would mix with the new ones)
        run_dir.claim(out, run_dir.RUN, overwrite=overwrite, hint=RESUME_HINT)
        (out / "config.json").write_text(config.to_json(sources, export))
        (out / "scores.json").write_text(json.dumps({"expert": None if scores is None else scores.expert,
                                                     "random": None if scores is None else scores.random,
                                                     "demo_episodes": demos.n_episodes,
                                                     "demo_fingerprint": demos.fingerprint()}, indent=2))
    log = run_dir.MetricsLog(out, keep_rounds=trainer.round if resume else None)
    rollout = trainer.generator.rollout_steps
    bar = RoundProgress(whole_rollouts(config.total_steps, rollout), enabled=progress,
                        desc=f"{config.learner} {config.env_id}", initial=trainer.generator.steps_done)

    def on_round(metrics: dict[str, float]) -> None:
        log(metrics)
        bar(metrics)

    trainer.log_round = on_round
    try:
        trainer.train(checkpoint=lambda: save_checkpoint(out, *trainer.state()), every_rounds=checkpoint_every,
                      snapshot=lambda steps: run_dir.save_energy_snapshot(out, trainer.energy, steps))
        save_checkpoint(out, *trainer.state())
    finally:
        bar.close()
        log.close()
    seconds = trainer.elapsed_seconds()  # the whole run's training time, across resumes
    trainer.generator.save(out / "policy.zip")
    run_dir.save_energy(out, trainer.energy, trainer.spec.to_json(), learner=config.learner,
                        policy_reward=trainer.policy_reward)
    run_dir.plot_curves(out, f"{config.learner.upper()} on {config.env_id}")
    result = evaluate_run(out, episodes=config.eval_episodes, seed=config.seed)
    result["train_seconds"] = round(seconds, 2)
    result["steps_per_second"] = round(config.total_steps / seconds, 1)
    result["resumed"] = resume
    result["peak_memory_mb"] = run_dir.peak_memory_mb()  # of the process that finished the run
    if trainer.bc_metrics is not None:
        result["behaviour_cloning"] = trainer.bc_metrics
    (out / "eval.json").write_text(json.dumps(result, indent=2))
    return result


def evaluate_run(run: str | Path, *, episodes: int = 20, seed: int = 0) -> dict:
    """True return of a run's policy (stochastic, as the demos were recorded), and its
    normalised score (0 = random, 1 = expert)."""
    check_counts(episodes=episodes)
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
        "normalized_return": None if scores["expert"] is None else
        float(normalized_return(mean, expert=scores["expert"], random=scores["random"])),
        "expert_return": scores["expert"], "random_return": scores["random"],
        "mean_length": float(np.mean(lengths)),
    }


def retrain(reward_path: str | Path, env_id: str, *, algo: str = "ppo", steps: int, seed: int = 0,
            out: str | Path, overwrite: bool = False, progress: bool = True, eval_episodes: int = 20,
            hyper: dict[str, Any] | None = None) -> dict:
    """Train a fresh SB3 agent from scratch on a learned reward alone (re-optimisation),
    with the task's tuned preset (``hyper``: settings laid over it, checked as a recipe's
    are), and report its true return.

    The normalised score uses the reward's demo card (expert and random returns) when
    ``env_id`` is the env the reward was learned on; on another env (transfer) only raw
    returns are reported.
    """
    check_counts(steps=steps, eval_episodes=eval_episodes)
    out = Path(out)
    run_dir.check_writable(out, run_dir.RETRAIN, overwrite=overwrite)
    reward = load_reward(reward_path)
    env = _supported_env(env_id)
    reward.check_spaces(env.observation_space, env.action_space, env_id)
    env.close()
    check_algo_fits(algo, env_id, env.action_space)
    hyper = {**preset(algo, env_id), **check_rl_table(dict(hyper or {}), algo, "--hyper")}
    run_dir.claim(out, run_dir.RETRAIN, overwrite=overwrite)
    same_task = env_id == reward.env_id
    expert, rand = reward.manifest.get("expert_return"), reward.manifest.get("random_return")
    scored = same_task and expert is not None and rand is not None
    (out / "retrain.json").write_text(json.dumps({"reward": str(reward_path), "env_id": env_id, "algo": algo,
                                                  "steps": steps, "seed": seed, "hyperparameters": hyper}, indent=2))
    log = run_dir.MetricsLog(out, columns=run_dir.MetricsLog.EPISODE_COLUMNS)
    bar = RoundProgress(whole_rollouts(steps, rollout_steps(algo, hyper)), enabled=progress,
                        desc=f"{algo} {env_id} on the learned reward")
    episodes = [0]
    start = time.perf_counter()

    def on_episode(step: int, ret: float) -> None:
        episodes[0] += 1
        row = {"episode": episodes[0], "steps": step, "seconds": time.perf_counter() - start, "ep_return": ret}
        if scored:
            row["normalized_return"] = float(normalized_return(ret, expert=expert, random=rand))
        log(row)
        bar(row)

    torch.set_num_threads(1)
    try:
        agent, venv = train_on_true_reward(env_id, algo=algo, hyper=hyper, seed=seed, total_steps=steps,
                                           log_episode=on_episode, tensorboard_log=str(out / "tb"),
                                           reward=reward)
        bar.update_to(agent.num_timesteps)
    finally:
        bar.close()
        log.close()
    seconds = time.perf_counter() - start
    save_agent(agent, venv, out / "policy.zip")
    run_dir.plot_curves(out, f"{algo.upper()} on the learned reward, {env_id}")
    returns, lengths = evaluate_policy(Policy(out / "policy.zip"), env_id, episodes=eval_episodes, seed=seed + 100_000)
    mean = float(returns.mean())
    result = {"env_id": env_id, "algo": algo, "reward_learner": reward.manifest.get("learner"),
              "reward_env_id": reward.env_id, "episodes": eval_episodes, "return_mean": mean,
              "return_std": float(returns.std()), "mean_length": float(np.mean(lengths)),
              "normalized_return": float(normalized_return(mean, expert=expert, random=rand)) if scored else None,
              "expert_return": expert if scored else None, "random_return": rand if scored else None,
              "train_seconds": round(seconds, 2), "steps_per_second": round(steps / seconds, 1),
              "peak_memory_mb": run_dir.peak_memory_mb()}
    (out / "eval.json").write_text(json.dumps(result, indent=2))
    return result


def _source_names(paths: tuple[str, ...], taken: tuple[str, ...]) -> list[str]:
    """Short distinct names for policy files: the stem ('policy'), else folder/stem, else numbered."""
    for name_of in (lambda p: Path(p).stem, lambda p: f"{Path(p).parent.name}/{Path(p).stem}"):
        names = [name_of(p) for p in paths]
        if len(set(names)) == len(names) and not set(names) & set(taken):
            return names
    return [f"{name_of(p)} #{i + 1}" for i, p in enumerate(paths)]


def judge(reward_path: str | Path, env_id: str, demos_path: str | Path, *, policies: tuple[str, ...] = (),
          episodes: int = 10, seed: int = 0, out: str | Path | None = None, overwrite: bool = False,
          heatmap: tuple[int, int] | None = None,
          heatmap_range: tuple[float, float, float, float] | None = None, probe_steps: int | None = None,
          progress: bool = False) -> dict:
    """Agreement of a learned reward with ``env_id``'s true reward on transitions of the
    expert (the demos), a uniform-random policy and any SB3 ``policies`` (trusted zips),
    and a prediction of what a fresh agent learns from it.

    Step rewards are compared (done = 0: no absorbing tail). Returns Pearson and
    Spearman correlations, pooled and per source, each source's mean learned and true
    reward per step (does the reward rank the sources as the task does?), and the EPIC
    distance where the true reward is known as a function (:data:`irl.rewards.judge.TRUE_REWARDS`).
    The prediction (:mod:`irl.rewards.probe`): a fresh PPO agent trained on the reward for
    ``probe_steps`` (default: a tenth of the steps the reward was learned in, 100,000 where its
    manifest does not say; 0: no probe)
    gives ``result["probe"]``, whose ``score`` in [0, 1] ranks rewards by the normalised
    return a full re-optimisation reaches, and ``verdict`` says it in words.

    With ``out`` (a new or empty folder, or a judge result to replace with ``overwrite``),
    writes judge.json and judge.png (learned vs true reward, with the figures above).
    """
    from irl.rewards.judge import TRUE_REWARDS, epic_distance, pearson, spearman

    check_counts(episodes=episodes)
    if probe_steps is not None and probe_steps < 0:
        raise ConfigError(f"probe_steps must be >= 0 (0: no probe), got {probe_steps}")
    if heatmap_range is not None and not (np.all(np.isfinite(heatmap_range)) and heatmap_range[0] < heatmap_range[1]
                                          and heatmap_range[2] < heatmap_range[3]):
        raise ConfigError(f"heatmap_range must be finite (x0, x1, y0, y1) with x0 < x1 and y0 < y1, "
                          f"found {tuple(heatmap_range)}")
    if out is not None:
        run_dir.check_writable(Path(out), run_dir.JUDGE, overwrite=overwrite)
    reward = load_reward(reward_path)
    env = _supported_env(env_id)
    reward.check_spaces(env.observation_space, env.action_space, env_id)
    n_obs = int(np.prod(env.observation_space.shape))
    if heatmap is not None and not all(0 <= i < n_obs for i in heatmap):
        raise ConfigError(f"heatmap coordinates must index the {n_obs} observation features, got {heatmap}")
    demos = check_against_env(load_demos(demos_path), env.observation_space, env.action_space, env_id)
    sources = {}
    if demos.transitions.rews is not None:
        sources["expert"] = demos.transitions
    else:
        warnings.warn(f"{demos_path} carries no per-step rewards: the reward is judged on the random and "
                      f"--policy rollouts only", stacklevel=2)
    env.action_space.seed(seed)
    sources["random"] = record_episodes(lambda o: np.asarray(env.action_space.sample())[None], env,
                                        episodes=episodes, seed=seed)
    for name, path in zip(_source_names(policies, taken=tuple(sources)), policies):
        with torch.random.fork_rng():  # the policy's action noise, seeded as irl eval seeds it: a judge repeats
            torch.manual_seed(seed)
            sources[name] = record_episodes(Policy(path).act, env, episodes=episodes, seed=seed)
    env.close()

    def step_reward(o: np.ndarray, a: np.ndarray, n: np.ndarray) -> np.ndarray:
        return reward(o.astype(np.float32), a, n.astype(np.float32), np.zeros(len(o), np.float32))

    learned = {k: step_reward(t.obs, t.acts, t.next_obs) for k, t in sources.items()}
    true = {k: t.rews.astype(np.float64) for k, t in sources.items()}
    pooled_l, pooled_t = np.concatenate(list(learned.values())), np.concatenate(list(true.values()))

    def corr(measure, x: np.ndarray, y: np.ndarray) -> float | None:  # None where undefined (a constant)
        value = measure(x, y)
        return None if np.isnan(value) else value

    result: dict = {"reward": str(reward_path), "env_id": env_id, "transitions": {k: len(v) for k, v in true.items()},
                    "pearson": corr(pearson, pooled_l, pooled_t), "spearman": corr(spearman, pooled_l, pooled_t),
                    "per_source": {k: {"pearson": corr(pearson, learned[k], true[k]),
                                       "spearman": corr(spearman, learned[k], true[k]),
                                       "learned_mean": float(learned[k].mean()), "true_mean": float(true[k].mean())}
                                   for k in sources}}
    if env_id in TRUE_REWARDS:
        rng = np.random.default_rng(seed)
        obs = np.concatenate([t.obs for t in sources.values()])
        acts = np.concatenate([t.acts for t in sources.values()])
        nxt = np.concatenate([t.next_obs for t in sources.values()])
        pick, canon = rng.choice(len(obs), min(2000, len(obs)), replace=False), rng.choice(len(obs), 256)
        result["epic"] = epic_distance(step_reward, TRUE_REWARDS[env_id], obs[pick], acts[pick], nxt[pick],
                                       states=obs[canon], actions=acts[rng.permutation(canon)], gamma=reward.gamma)
    else:
        result["epic"] = None
        result["epic_note"] = f"no closed-form true reward for {env_id} (see irl.rewards.judge.TRUE_REWARDS)"
    result["probe"] = _probe(reward, env_id, demos, sources["random"], steps=probe_steps, seed=seed,
                             episodes=episodes, progress=progress)
    if out is not None:
        out = run_dir.claim(Path(out), run_dir.JUDGE, overwrite=overwrite)
        (out / "judge.json").write_text(json.dumps(result, indent=2))
        _scatter(out / "judge.png", learned, true, result)
        if heatmap is not None:
            _heatmap(out / "heatmap.png", step_reward, demos.transitions, heatmap, env_id, heatmap_range)
    return result


def _probe(reward, env_id: str, demos: DemoSet, random_episodes, *, steps: int | None, seed: int,
           episodes: int, progress: bool) -> dict | None:
    """The probe's result as JSON (None with ``steps`` 0). True returns are normalised by the
    reward's demo card on its own task, else by the demos' and random episodes' returns."""
    from irl.rewards.probe import PROBE_FRACTION, probe_reward

    if steps is None:
        steps = max(1, int(reward.manifest.get("training_steps") or 1_000_000) // PROBE_FRACTION)
    if steps == 0:
        return None
    expert, rand = reward.manifest.get("expert_return"), reward.manifest.get("random_return")
    if env_id != reward.env_id or expert is None or rand is None:
        expert, rand = demos.expert_return, demos.random_return
        if expert is None:
            raise DemoError("the probe needs the demos' true returns to place the expert; these demos carry "
                            "none (pass probe_steps=0 / --probe-steps 0 to judge without it)")
        if rand is None:  # the judge's random rollouts, already recorded
            rand = float(np.mean([random_episodes.rews[s].sum() for s in random_episodes.episode_slices()]))
    torch.set_num_threads(1)
    result = probe_reward(reward, env_id, demos=demos.transitions, random_episodes=random_episodes, steps=steps,
                          true_expert=float(expert), true_random=float(rand), episodes=episodes, seed=seed,
                          progress=progress)
    return result.to_json()


def _heatmap(path: Path, reward, demos, dims: tuple[int, int], env_id: str,
             bounds: tuple[float, float, float, float] | None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from irl.rewards.judge import reward_grid

    obs = demos.obs.reshape(len(demos), -1)
    if bounds is None:
        lo, hi = obs[:, dims].min(0), obs[:, dims].max(0)
        pad = 0.1 * (hi - lo) + 1e-6
        bounds = (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])
    grid = ((bounds[0], bounds[1]), (bounds[2], bounds[3]))
    xs, ys, values = reward_grid(reward, obs.mean(0), dims, grid, action=np.zeros_like(demos.acts[0]))
    fig, ax = plt.subplots(figsize=(6, 5))
    mesh = ax.pcolormesh(xs, ys, values, shading="auto", cmap="viridis")
    for s in demos.episode_slices():
        ax.plot(obs[s, dims[0]], obs[s, dims[1]], color="w", lw=0.8, alpha=0.7)
    fig.colorbar(mesh, label="learned reward")
    ax.set(xlabel=f"obs[{dims[0]}]", ylabel=f"obs[{dims[1]}]", title=f"learned reward over the plane, {env_id}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _scatter(path: Path, learned: dict, true: dict, result: dict) -> None:
    """judge.png: learned against true reward per source, each source's correlations in
    the legend, the pooled ones and EPIC in the title."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from irl.rewards.judge import describe_correlation as corr

    fig, ax = plt.subplots(figsize=(6.5, 5))
    for name in learned:
        r = result["per_source"][name]
        ax.scatter(true[name], learned[name], s=4, alpha=0.4,
                   label=f"{name}: pearson {corr(r['pearson'])}, spearman {corr(r['spearman'])}")
    epic = "n/a" if result["epic"] is None else f"{result['epic']:.3f}"
    ax.set(xlabel="true reward", ylabel="learned reward")
    ax.set_title(f"learned vs true reward, {result['env_id']}\npooled: pearson {corr(result['pearson'])}, "
                 f"spearman {corr(result['spearman'])}\nEPIC distance {epic} (0 = same reward, 1 = opposite)",
                 fontsize=9)
    ax.legend(markerscale=4, fontsize=8, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
