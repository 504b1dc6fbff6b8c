"""Running moments of streams the trainer scales by: the learned reward's discounted
return (:class:`RewardScaler`) and the observations the energy sees
(:class:`MixtureObsStatistics`)."""

from __future__ import annotations

import numpy as np


class RunningMoments:
    """Mean and (population) variance of a stream of (N, *shape) batches, float64,
    merged batch by batch (Chan et al.'s parallel form of Welford's algorithm).
    ``count`` > 0 at the start acts as a prior of that weight on (mean 0, var 1)."""

    def __init__(self, shape: tuple[int, ...] = (), count: float = 0.0) -> None:
        self.count = count
        self.mean = np.zeros(shape)
        self.var = np.ones(shape)

    def update(self, x: np.ndarray) -> None:
        """x: (N, *shape), N >= 1."""
        n, mean, var = len(x), x.mean(axis=0, dtype=np.float64), x.var(axis=0, dtype=np.float64)
        delta, total = mean - self.mean, self.count + n
        self.mean = self.mean + delta * n / total
        self.var = (self.var * self.count + var * n + delta**2 * self.count * n / total) / total
        self.count = total


class RewardScaler:
    """Divides rewards by the running std of their discounted return, per env (as SB3's
    VecNormalize does for env rewards), and clips them to ±``clip``."""

    def __init__(self, n_envs: int, gamma: float, clip: float = 10.0) -> None:
        self.gamma, self.clip = gamma, clip
        self.returns = np.zeros(n_envs)
        self.moments = RunningMoments(count=1e-4)

    def __call__(self, rews: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, float]:
        """rews, ends: (T, n_envs) -> scaled rewards (T, n_envs) and the scale used."""
        seen = np.empty_like(rews)
        for t in range(len(rews)):
            self.returns = self.returns * self.gamma + rews[t]
            seen[t] = self.returns
            self.returns[ends[t]] = 0.0
        self.moments.update(seen.ravel())
        scale = float(np.sqrt(self.moments.var + 1e-8))
        return np.clip(rews / scale, -self.clip, self.clip), scale

    def state(self) -> list[float]:
        return [float(self.moments.count), float(self.moments.mean), float(self.moments.var)]

    def load_state(self, state: list[float]) -> None:
        count, mean, var = state
        self.moments.count, self.moments.mean, self.moments.var = count, np.float64(mean), np.float64(var)


class MixtureObsStatistics:
    """Mean and std of the half-and-half mixture of the demos' observations and every
    generator observation seen so far: the distribution the discriminator's balanced
    batches are drawn from. Standardising the energy's inputs with it (instead of the
    demos' statistics alone) keeps states the demos never visit, but the generator did,
    on a moderate scale, so the learned reward extrapolates less wildly off the
    demonstrated path (docs/transfer.md).

    expert_obs: (N, obs_dim) demo observations.
    """

    def __init__(self, expert_obs: np.ndarray) -> None:
        self.expert_mean = expert_obs.mean(axis=0, dtype=np.float64)
        self.expert_var = expert_obs.var(axis=0, dtype=np.float64)
        self.generator = RunningMoments(self.expert_mean.shape)

    def update(self, gen_obs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Add a rollout's observations (N, obs_dim); returns the mixture's (mean, std), (obs_dim,) each."""
        self.generator.update(gen_obs)
        return self.statistics()

    def statistics(self) -> tuple[np.ndarray, np.ndarray]:
        g = self.generator
        mean = (self.expert_mean + g.mean) / 2
        var = (self.expert_var + g.var) / 2 + ((self.expert_mean - g.mean) / 2) ** 2
        return mean, np.sqrt(var)
