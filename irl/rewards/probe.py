"""Will a fresh agent learn the task from this reward? A short re-optimisation as a probe.

A learned reward teaches only if raising it raises the true return. Agreement on
fixed transitions (:mod:`irl.rewards.judge`) does not show that: a reward can rank
the demos, random play and the imitator correctly and still pay some behaviour no
policy in that set shows (running backwards, a slow gait) more than the demos; a
fresh agent finds that behaviour (Fu et al. 2018, "Learning Robust Rewards with
Adversarial Inverse RL", app. D.3: such rewards "explain behavior locally").

The probe trains a fresh PPO agent (the task's tuned preset) on the learned reward for
a tenth of a full re-optimisation, then rolls it out and puts its episodes on two
scales on which random play is 0 and the demonstrations are 1:

    u = (L_probe - L_random) / (L_demos - L_random)   where the learned reward places it,
    v = (T_probe - T_random) / (T_expert - T_random)  where the true return places it,

L the undiscounted learned return of an episode (as the agent receives it, terminal
reward included), T the true one. The margin

    m = v - max(0, u - v)

is the true progress the probe made, less the part of its learned progress the true
return does not back (the reward rates the agent nearer the demos than it is, the mark
of a reward a fresh agent exploits). The score is m squashed into (0, 1),

    score = 1 / (1 + exp(-m / SCORE_WIDTH)),

0.5 where the probe neither progressed nor was oversold; a reward that pays random play
as much as the demos (L_demos <= L_random) scores 0. The score ranks rewards; its level
is a rough guide. Its rank correlation with full re-optimisations is measured on the
reward archive in docs/results/judge.md (``scripts/judge_archive.py``).
"""

from __future__ import annotations

import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from irl.data.types import Transitions

PROBE_FRACTION = 10
"""The probe takes 1 / PROBE_FRACTION of a full re-optimisation's steps."""

SCORE_WIDTH = 0.1
"""How much margin moves the score: m = ±0.1 gives 0.73 / 0.27 (a chosen scale, not fitted)."""

VERDICTS = ((0.6, "likely teaches: a fresh agent on this reward should approach the demos"),
            (0.3, "doubtful: a fresh agent on this reward may learn only part of the task"),
            (-np.inf, "unlikely to teach: a fresh agent on this reward should not learn the task"))
"""(lowest score, verdict), highest first."""


@dataclass(frozen=True)
class ProbeResult:
    """What the probe measured: its steps, the learned and true returns per episode of the
    probe agent (E,), the reference returns (means over episodes) and the score."""

    steps: int
    learned_returns: list[float]
    true_returns: list[float]
    learned_demos: float
    learned_random: float
    true_expert: float
    true_random: float
    learned_progress: float  # u
    true_progress: float  # v
    score: float
    verdict: str

    def to_json(self) -> dict:
        """A JSON-safe dict: an undefined progress (NaN) becomes null."""
        return {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in asdict(self).items()}


def episode_learned_returns(reward, t: Transitions) -> np.ndarray:
    """Undiscounted learned return of each episode of ``t`` (E,), terminal steps scored as
    an agent receives them (``terminated`` passed to the reward)."""
    step = np.asarray(reward(t.obs.astype(np.float32), t.acts, t.next_obs.astype(np.float32),
                             t.terminated.astype(np.float32)), np.float64)
    return np.array([step[s].sum() for s in t.episode_slices()])


def progress_between(value: float, low: float, high: float) -> float:
    """Where ``value`` lies from ``low`` (0) to ``high`` (1); NaN when high <= low."""
    return (value - low) / (high - low) if high > low else float("nan")


def probe_margin(learned_progress: float, true_progress: float) -> float:
    """m = v - max(0, u - v); -inf where u is undefined (the reward does not prefer the
    demos to random play)."""
    u, v = learned_progress, true_progress
    return v - max(0.0, u - v) if np.isfinite(u) else -np.inf


def probe_score(learned_progress: float, true_progress: float) -> float:
    """The margin squashed into [0, 1]: 1 / (1 + exp(-m / SCORE_WIDTH))."""
    margin = probe_margin(learned_progress, true_progress)
    return float(0.5 * (1.0 + np.tanh(margin / (2.0 * SCORE_WIDTH))))  # the logistic, without overflow


def verdict(score: float) -> str:
    return next(text for low, text in VERDICTS if score >= low)


def probe_reward(reward, env_id: str, *, demos: Transitions, random_episodes: Transitions, steps: int,
                 true_expert: float, true_random: float, episodes: int = 10, seed: int = 0,
                 progress: bool = False) -> ProbeResult:
    """Train PPO from scratch on ``reward`` for ``steps`` env steps, roll the agent out for
    ``episodes`` episodes (stochastic, seeded) and score it (module docstring).

    ``demos`` and ``random_episodes`` give L_demos and L_random; ``true_expert`` and
    ``true_random`` are the returns that normalise the true score (the reward's demo card).
    """
    import torch

    from irl.data.demos import record_episodes
    from irl.rl.policy_io import Policy, save_agent
    from irl.rl.presets import preset, rollout_steps
    from irl.rl.sb3_adapter import make_env, train_on_true_reward
    from irl.runs.progress import RoundProgress, whole_rollouts

    hyper = preset("ppo", env_id)
    bar = RoundProgress(whole_rollouts(steps, rollout_steps("ppo", hyper)), enabled=progress,
                        desc=f"probe: PPO on the learned reward, {env_id}")

    def on_episode(step: int, ret: float) -> None:  # true returns: the learned ones are scored after
        bar({"steps": step, "ep_return": ret, "normalized_return": progress_between(ret, true_random, true_expert)})

    try:
        agent, venv = train_on_true_reward(env_id, algo="ppo", hyper=hyper, seed=seed, total_steps=steps,
                                           reward=reward, log_episode=on_episode)
    finally:
        bar.close()
    env = make_env(env_id)
    with tempfile.TemporaryDirectory() as folder, torch.random.fork_rng():
        save_agent(agent, venv, Path(folder) / "probe.zip")
        policy = Policy(Path(folder) / "probe.zip")
        torch.manual_seed(seed)
        rollouts = record_episodes(policy.act, env, episodes=episodes, seed=seed + 100_000)
    env.close()
    venv.close()
    learned = episode_learned_returns(reward, rollouts)
    true = np.array([rollouts.rews[s].sum() for s in rollouts.episode_slices()], np.float64)
    learned_demos = float(episode_learned_returns(reward, demos).mean())
    learned_random = float(episode_learned_returns(reward, random_episodes).mean())
    u = progress_between(float(learned.mean()), learned_random, learned_demos)
    v = progress_between(float(true.mean()), true_random, true_expert)
    score = probe_score(u, v)
    return ProbeResult(steps=steps, learned_returns=learned.tolist(), true_returns=true.tolist(),
                       learned_demos=learned_demos, learned_random=learned_random, true_expert=true_expert,
                       true_random=true_random, learned_progress=u, true_progress=v, score=score,
                       verdict=verdict(score))
