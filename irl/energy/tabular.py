"""An exact MaxEnt IRL reference on small tabular MDPs.

Soft value iteration (Ziebart 2010, ch. 6; Haarnoja et al. 2017, eq. 2-3) on a
known MDP gives the MaxEnt-optimal ("soft-optimal") policy of a reward,

    Q(s, a) = r(s, a) + γ · sum_s' P(s'|s, a) · V(s'),    V(s) = log sum_a exp Q(s, a),
    π(a|s) = exp(Q(s, a) - V(s)),

and its discounted occupancy. The tests use it as ground truth: demonstrations
are the exact occupancy of the soft-optimal expert, so what each learner's
energy converges to can be compared with the true reward and soft value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TabularMDP:
    """A finite MDP.

    Attributes:
        transitions: (S, A, S) float64, P(s'|s, a); rows sum to 1.
        reward: (S,) or (S, A) float64, the true reward.
        initial: (S,) float64, the start-state distribution.
        gamma: discount in (0, 1).
    """

    transitions: np.ndarray
    reward: np.ndarray
    initial: np.ndarray
    gamma: float

    def __post_init__(self) -> None:
        s, a, s2 = self.transitions.shape
        if s != s2:
            raise ValueError(f"transitions must be (S, A, S), got {self.transitions.shape}")
        if not np.allclose(self.transitions.sum(axis=2), 1.0):
            raise ValueError("each P(.|s, a) must sum to 1")
        if self.reward.shape not in ((s,), (s, a)):
            raise ValueError(f"reward must be ({s},) or ({s}, {a}), got {self.reward.shape}")
        if self.initial.shape != (s,) or not np.isclose(self.initial.sum(), 1.0):
            raise ValueError(f"initial must be a distribution of shape ({s},), got {self.initial.shape}")
        if not 0.0 < self.gamma < 1.0:
            raise ValueError(f"gamma must be in (0, 1), got {self.gamma}")

    @property
    def n_states(self) -> int:
        return self.transitions.shape[0]

    @property
    def n_actions(self) -> int:
        return self.transitions.shape[1]

    def next_state(self) -> np.ndarray:
        """(S, A) int: the successor of each (s, a); deterministic MDPs only."""
        if not np.allclose(self.transitions.max(axis=2), 1.0):
            raise ValueError("next_state needs deterministic transitions")
        return self.transitions.argmax(axis=2)


@dataclass(frozen=True)
class SoftSolution:
    """q: (S, A) soft Q; v: (S,) soft value; policy: (S, A) π(a|s)."""

    q: np.ndarray
    v: np.ndarray
    policy: np.ndarray


def soft_value_iteration(mdp: TabularMDP, reward: np.ndarray | None = None, *, tol: float = 1e-10,
                         max_iter: int = 100_000) -> SoftSolution:
    """The soft-optimal policy of ``reward`` ((S,) or (S, A); default the MDP's own)."""
    r = mdp.reward if reward is None else reward
    r = np.broadcast_to(r[:, None], (mdp.n_states, mdp.n_actions)) if r.ndim == 1 else r
    v = np.zeros(mdp.n_states)
    for _ in range(max_iter):
        q = r + mdp.gamma * mdp.transitions @ v  # (S, A)
        v_new = _logsumexp(q)
        if np.max(np.abs(v_new - v)) < tol:
            v = v_new
            break
        v = v_new
    else:
        raise RuntimeError(f"soft value iteration did not converge in {max_iter} iterations")
    q = r + mdp.gamma * mdp.transitions @ v
    return SoftSolution(q=q, v=v, policy=np.exp(q - v[:, None]))


def occupancy(mdp: TabularMDP, policy: np.ndarray) -> np.ndarray:
    """Normalised discounted state-action occupancy (S, A) of ``policy`` (S, A):
    ρ(s, a) = (1 - γ) · sum_t γ^t · Pr(s_t = s, a_t = a); sums to 1."""
    p_pi = np.einsum("sa,sat->st", policy, mdp.transitions)  # (S, S)
    d = np.linalg.solve(np.eye(mdp.n_states) - mdp.gamma * p_pi.T, (1 - mdp.gamma) * mdp.initial)
    return d[:, None] * policy


def gridworld(size: int, *, goal: tuple[int, int], gamma: float = 0.9, scale: float = 1.0) -> TabularMDP:
    """A deterministic size x size grid; actions stay, up, down, left, right (walls hold
    the agent in place); state reward -scale·(Manhattan distance to ``goal``)/size;
    starts uniform over all cells."""
    moves = [(0, 0), (-1, 0), (1, 0), (0, -1), (0, 1)]
    n = size * size
    p = np.zeros((n, len(moves), n))
    reward = np.zeros(n)
    for row in range(size):
        for col in range(size):
            s = row * size + col
            reward[s] = -scale * (abs(row - goal[0]) + abs(col - goal[1])) / size
            for a, (dr, dc) in enumerate(moves):
                r2, c2 = min(max(row + dr, 0), size - 1), min(max(col + dc, 0), size - 1)
                p[s, a, r2 * size + c2] = 1.0
    return TabularMDP(transitions=p, reward=reward, initial=np.full(n, 1.0 / n), gamma=gamma)


def _logsumexp(x: np.ndarray) -> np.ndarray:
    m = x.max(axis=1)
    return m + np.log(np.exp(x - m[:, None]).sum(axis=1))
