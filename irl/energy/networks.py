"""Energy networks E(s, a, s', done): low energy = expert-like; reward = -E.

Two forms cover the learners:

* :class:`FreeEnergy`, any function of (s) or (s, a): GAIL's discriminator
  (Ho & Ermon 2016) and GCL's cost (Finn, Levine, Abbeel 2016).
* :class:`ShapedEnergy`, AIRL's disentangled form (Fu, Luo, Levine 2018,
  eq. 4 with f = -E):  E = -(g(s[, a]) + γ·h(s')·(1 - done) - h(s)).
  g is the reward (state-only g transfers across dynamics), h a shaping
  potential that recovers the soft value on deterministic dynamics.

Inputs go through :class:`ObsNormalizer`, fixed to the expert's statistics.
When absorbing states are on (Kostrikov et al. 2019), observations carry one
extra column that is 1 in the absorbing state and 0 elsewhere; it is not
normalised.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from operator import attrgetter

import numpy as np
import torch
from torch import nn


@dataclass(frozen=True, kw_only=True)
class EnergySpec:
    """What an energy network needs to know to be built (saved next to its weights)."""

    kind: str
    """'free' (GAIL, GCL) or 'shaped' (AIRL)."""
    obs_dim: int
    """Width of a flattened observation, absorbing flag excluded."""
    act_dim: int
    """Width of an action as input: n for Discrete (one-hot), prod(shape) for Box."""
    state_only: bool
    """The reward term sees only s (not a)."""
    absorbing: bool
    """Observations carry an absorbing-state flag column."""
    hidden: tuple[int, ...] = (64, 64)
    """Hidden layer widths of each MLP."""
    gamma: float = 0.99
    """Discount of the shaping term (AIRL); the policy's discount."""
    bound: float | None = None
    """The reward term (E of a free energy, g of a shaped one) is ``bound·tanh(raw / bound)``,
    within ±bound (f-IRL, Ni et al. 2020, clamps its reward to ±10); None: unbounded."""
    members: int = 1
    """Energies in the ensemble (:class:`EnergyEnsemble`); 1 = a single network."""

    def __post_init__(self) -> None:
        if self.kind not in ("free", "shaped"):
            raise ValueError(f"energy kind must be 'free' or 'shaped', got {self.kind!r}")
        if not 0.0 < self.gamma <= 1.0:
            raise ValueError(f"gamma must be in (0, 1], got {self.gamma}")
        if self.bound is not None and not 0.0 < self.bound < float("inf"):
            raise ValueError(f"bound must be a positive number or None, got {self.bound}")
        if self.members < 1:
            raise ValueError(f"members must be >= 1, got {self.members}")

    @property
    def input_obs_dim(self) -> int:
        return self.obs_dim + int(self.absorbing)

    def to_json(self) -> dict:
        return {**asdict(self), "hidden": list(self.hidden)}

    @classmethod
    def from_json(cls, data: dict) -> "EnergySpec":
        return cls(**{**data, "hidden": tuple(data["hidden"])})  # a spec saved before ``bound``: None


def bounded(raw: torch.Tensor, bound: float | None) -> torch.Tensor:
    """bound·tanh(raw / bound): (B,) -> (B,) within ±bound, the identity near 0; None: raw."""
    return raw if bound is None else bound * torch.tanh(raw / bound)


def _clip(value: float, bound: float | None) -> float:
    return value if bound is None else max(-bound, min(bound, value))


def mlp(in_dim: int, hidden: tuple[int, ...], out_dim: int = 1) -> nn.Sequential:
    layers: list[nn.Module] = []
    for width in hidden:
        layers += [nn.Linear(in_dim, width), nn.ReLU()]
        in_dim = width
    layers.append(nn.Linear(in_dim, out_dim))
    return nn.Sequential(*layers)


class ObsNormalizer(nn.Module):
    """(obs - mean) / std with the expert's statistics, clipped to ±10.

    obs: (B, obs_dim [+ 1 absorbing flag]) float32 -> same shape.
    """

    def __init__(self, obs_dim: int, absorbing: bool) -> None:
        super().__init__()
        self.absorbing = absorbing
        self.register_buffer("mean", torch.zeros(obs_dim))
        self.register_buffer("std", torch.ones(obs_dim))

    def fit(self, obs: np.ndarray) -> None:
        """Set the statistics from expert observations (N, obs_dim)."""
        self.mean.copy_(torch.as_tensor(obs.mean(axis=0), dtype=torch.float32))
        self.std.copy_(torch.as_tensor(obs.std(axis=0) + 1e-6, dtype=torch.float32).clamp_min(1e-3))

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return standardise(obs, self.mean, self.std, self.absorbing)


def standardise(obs: torch.Tensor, mean: torch.Tensor, std: torch.Tensor, absorbing: bool) -> torch.Tensor:
    """(obs - mean) / std clipped to ±10, the absorbing flag column (last) kept and the
    absorbing state mapped to zeros. obs: (B, D [+ 1]); mean, std: (D,) -> (B, D [+ 1]), or
    stacked (K, 1, D) -> (K, B, D [+ 1]), one standardisation per ensemble member."""
    if not absorbing:
        return ((obs - mean) / std).clamp(-10, 10)
    state, flag = obs[..., :-1], obs[..., -1:]
    state = ((state - mean) / std).clamp(-10, 10) * (1 - flag)  # absorbing state -> 0
    return torch.cat([state, flag.expand_as(state[..., :1])], dim=-1)


class FreeEnergy(nn.Module):
    """E(s) or E(s, a) as one MLP; its output bias plays the role of log Z."""

    def __init__(self, spec: EnergySpec) -> None:
        super().__init__()
        self.spec = spec
        self.normalize = ObsNormalizer(spec.obs_dim, spec.absorbing)
        in_dim = spec.input_obs_dim + (0 if spec.state_only else spec.act_dim)
        self.net = mlp(in_dim, spec.hidden)
        self.register_buffer("absorbing_value", torch.zeros(()))
        """E in the absorbing state once ``absorbing_set`` is 1 (:func:`override_absorbing`)."""
        self.register_buffer("absorbing_set", torch.zeros(()))

    def forward(self, obs: torch.Tensor, acts: torch.Tensor, next_obs: torch.Tensor,
                terminated: torch.Tensor) -> torch.Tensor:
        """obs, next_obs: (B, input_obs_dim); acts: (B, act_dim); terminated: (B,) -> E: (B,)."""
        x = self.normalize(obs)
        if not self.spec.state_only:
            x = torch.cat([x, acts], dim=1)
        return override_absorbing(self, obs, bounded(self.net(x).squeeze(-1), self.spec.bound))

    def fit_normalization(self, obs: np.ndarray) -> None:
        """Standardise inputs with these (expert) observations' statistics: (N, obs_dim)."""
        self.normalize.fit(obs)

    @torch.no_grad()
    def shift_(self, delta: float) -> None:
        """E += delta everywhere (moves log Z, the output bias; under a ``bound``, where |E| is
        well inside it)."""
        self.net[-1].bias += delta
        self.absorbing_value += delta

    @torch.no_grad()
    def set_absorbing_logit_(self, logit: float) -> None:
        """Make -E (the logit without log q and log Z) equal ``logit`` in the absorbing state."""
        self.absorbing_value.fill_(_clip(-logit, self.spec.bound))
        self.absorbing_set.fill_(1.0)

    def reward(self, obs: torch.Tensor, acts: torch.Tensor, next_obs: torch.Tensor,
               terminated: torch.Tensor) -> torch.Tensor:
        """The exported reward -E: (B,)."""
        return -self(obs, acts, next_obs, terminated)


class ShapedEnergy(nn.Module):
    """AIRL: E = -(g(s[, a]) + γ·h(s')·(1 - terminated) - h(s)); Fu et al. 2018, eq. 4."""

    def __init__(self, spec: EnergySpec) -> None:
        super().__init__()
        self.spec = spec
        self.normalize = ObsNormalizer(spec.obs_dim, spec.absorbing)
        g_in = spec.input_obs_dim + (0 if spec.state_only else spec.act_dim)
        self.g = mlp(g_in, spec.hidden)
        self.h = mlp(spec.input_obs_dim, spec.hidden)
        self.register_buffer("absorbing_value", torch.zeros(()))
        """g in the absorbing state once ``absorbing_set`` is 1 (:func:`override_absorbing`)."""
        self.register_buffer("absorbing_set", torch.zeros(()))

    def g_value(self, obs: torch.Tensor, acts: torch.Tensor) -> torch.Tensor:
        """The disentangled reward g: (B,)."""
        x = self.normalize(obs)
        if not self.spec.state_only:
            x = torch.cat([x, acts], dim=1)
        return override_absorbing(self, obs, bounded(self.g(x).squeeze(-1), self.spec.bound))

    def h_value(self, obs: torch.Tensor) -> torch.Tensor:
        """The shaping potential h: (B,)."""
        return self.h(self.normalize(obs)).squeeze(-1)

    def forward(self, obs: torch.Tensor, acts: torch.Tensor, next_obs: torch.Tensor,
                terminated: torch.Tensor) -> torch.Tensor:
        """obs, next_obs: (B, input_obs_dim); acts: (B, act_dim); terminated: (B,) -> E: (B,)."""
        both = self.h_value(torch.cat([obs, next_obs], dim=0))  # one pass for h(s) and h(s')
        h_s, h_next = both.chunk(2)
        f = self.g_value(obs, acts) + self.spec.gamma * (1 - terminated) * h_next - h_s
        return -f

    def fit_normalization(self, obs: np.ndarray) -> None:
        """Standardise inputs with these (expert) observations' statistics: (N, obs_dim)."""
        self.normalize.fit(obs)

    @torch.no_grad()
    def shift_(self, delta: float) -> None:
        """E += delta everywhere (through g's output bias, i.e. log Z; under a ``bound``, where
        |g| is well inside it)."""
        self.g[-1].bias -= delta
        self.absorbing_value -= delta

    @torch.no_grad()
    def set_absorbing_logit_(self, logit: float) -> None:
        """Make f = -E of the absorbing self-transition, g + γ·h - h, equal ``logit``."""
        state = absorbing_obs(self.spec.input_obs_dim)
        self.absorbing_value.fill_(_clip(logit + (1 - self.spec.gamma) * self.h_value(state)[0].item(), self.spec.bound))
        self.absorbing_set.fill_(1.0)

    def reward(self, obs: torch.Tensor, acts: torch.Tensor, next_obs: torch.Tensor,
               terminated: torch.Tensor) -> torch.Tensor:
        """The exported reward: g alone (shaping removed), (B,)."""
        return self.g_value(obs, acts)


def absorbing_obs(width: int) -> torch.Tensor:
    """The absorbing state as an encoded observation: zeros and the flag, (1, width)."""
    state = torch.zeros(1, width)
    state[0, -1] = 1.0
    return state


def override_absorbing(energy: nn.Module, obs: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
    """``value`` (B,) with ``energy.absorbing_value`` in the rows whose obs is the absorbing
    state, once that value is set.

    The absorbing state is one point, so the discriminator's best output there is a free
    number, log(p_expert(abs) / p_generator(abs)), which the trainer sets from counts
    (:meth:`irl.energy.discriminator.Discriminator.fit_absorbing`). Left to the network it is
    learned slowly (Adam moves one weight by about lr per step) and pulled towards the
    states around it, and any error is multiplied by γ/(1-γ) in the terminal tail.
    """
    if not energy.spec.absorbing:
        return value
    return torch.where((obs[:, -1] > 0.5) & (energy.absorbing_set > 0.5), energy.absorbing_value, value)


ENSEMBLE_REDUCTIONS = ("mean", "pessimistic")


class EnergyEnsemble(nn.Module):
    """K energies of one spec, each trained on its own minibatches (IRL++, Sapora, Swamy et
    al. 2024), read as one: E (B,) is the members' mean, or with ``reduce='pessimistic'``
    their maximum, so the reward -E (or g) is the members' minimum.

    The discriminator trains ``members`` one by one (:class:`irl.energy.discriminator.Discriminator`);
    everything else (policy rewards, export, ONNX) sees the reduced energy."""

    def __init__(self, spec: EnergySpec, *, reduce: str = "mean") -> None:
        super().__init__()
        if reduce not in ENSEMBLE_REDUCTIONS:
            raise ValueError(f"reduce must be one of {ENSEMBLE_REDUCTIONS}, got {reduce!r}")
        self.spec = spec
        self.reduce = reduce
        single = replace(spec, members=1)
        self.members = nn.ModuleList(_single_energy(single) for _ in range(spec.members))
        self._frozen: dict[str, torch.Tensor] | None = None

    @property
    def normalize(self) -> ObsNormalizer:
        """The members' input statistics (the same in every member: all are fitted on the demos)."""
        return self.members[0].normalize

    def fit_normalization(self, obs: np.ndarray) -> None:
        for member in self.members:
            member.normalize.fit(obs)

    def _combine(self, values: torch.Tensor, worst: str) -> torch.Tensor:
        """(K, B) -> (B,): the mean, or the worst case for the reward (max of E, min of g)."""
        if self.reduce == "mean":
            return values.mean(0)
        return values.amax(0) if worst == "max" else values.amin(0)

    @torch.no_grad()
    def freeze_(self) -> None:
        """Stack the members' weights once, for a reward whose weights no longer change (a
        loaded artifact): every later call reads the stacked copies, so a later change to a
        member is not seen."""
        self._frozen = None
        first = self.members[0]
        self._frozen = {name: self._stacked(name) for name, _ in (*first.named_parameters(), *first.named_buffers())}

    def _stacked(self, name: str) -> torch.Tensor:
        """A parameter or buffer of every member (e.g. 'g.0.weight'), stacked: (K, *shape)."""
        if self._frozen is not None:
            return self._frozen[name]
        return torch.stack([attrgetter(name)(m) for m in self.members])

    def _inputs(self, obs: torch.Tensor, acts: torch.Tensor | None) -> torch.Tensor:
        """Every member's network input at once: (B, D) -> (K, B, D [+ act_dim])."""
        x = standardise(obs, self._stacked("normalize.mean").unsqueeze(1),
                        self._stacked("normalize.std").unsqueeze(1), self.spec.absorbing)
        if acts is not None and not self.spec.state_only:
            x = torch.cat([x, acts.expand(len(self.members), *acts.shape)], dim=-1)
        return x

    def _members_output(self, net: str, obs: torch.Tensor, acts: torch.Tensor | None) -> torch.Tensor:
        """Every member's MLP ``net`` ('net', 'g' or 'h') on one batch, each layer one batched
        matrix product over stacked weights (one call for K members): (B, ·) -> (K, B)."""
        x = self._inputs(obs, acts)
        linears = [i for i, layer in enumerate(self.members[0].get_submodule(net)) if isinstance(layer, nn.Linear)]
        for i in linears:
            weight, bias = self._stacked(f"{net}.{i}.weight"), self._stacked(f"{net}.{i}.bias")  # (K, out, in), (K, out)
            x = torch.baddbmm(bias.unsqueeze(1), x, weight.transpose(1, 2))
            if i != linears[-1]:
                x = torch.relu(x)
        return x.squeeze(-1)

    def _with_absorbing(self, obs: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
        """:func:`override_absorbing` for every member: values (K, B) -> (K, B)."""
        if not self.spec.absorbing:
            return values
        chosen = (obs[:, -1] > 0.5).unsqueeze(0) & (self._stacked("absorbing_set") > 0.5).unsqueeze(1)
        return torch.where(chosen, self._stacked("absorbing_value").unsqueeze(1), values)

    def member_energies(self, obs: torch.Tensor, acts: torch.Tensor, next_obs: torch.Tensor,
                        terminated: torch.Tensor) -> torch.Tensor:
        """E of every member, as each member's ``forward`` computes it: (K, B)."""
        if self.spec.kind == "free":
            return self._with_absorbing(obs, bounded(self._members_output("net", obs, acts), self.spec.bound))
        h_s, h_next = self._members_output("h", torch.cat([obs, next_obs], dim=0), None).chunk(2, dim=1)
        return -(self.member_g_values(obs, acts) + self.spec.gamma * (1 - terminated) * h_next - h_s)

    def member_g_values(self, obs: torch.Tensor, acts: torch.Tensor) -> torch.Tensor:
        """AIRL's g of every member, as each member's ``g_value``: (K, B)."""
        return self._with_absorbing(obs, bounded(self._members_output("g", obs, acts), self.spec.bound))

    def forward(self, obs: torch.Tensor, acts: torch.Tensor, next_obs: torch.Tensor,
                terminated: torch.Tensor) -> torch.Tensor:
        """E (B,) of the ensemble: the members' mean (or maximum, pessimistic)."""
        return self._combine(self.member_energies(obs, acts, next_obs, terminated), "max")

    def g_value(self, obs: torch.Tensor, acts: torch.Tensor) -> torch.Tensor:
        """AIRL's reward g (B,): the members' mean (or minimum, pessimistic)."""
        return self._combine(self.member_g_values(obs, acts), "min")

    def reward(self, obs: torch.Tensor, acts: torch.Tensor, next_obs: torch.Tensor,
               terminated: torch.Tensor) -> torch.Tensor:
        if self.spec.kind == "shaped":
            return self.g_value(obs, acts)
        return -self(obs, acts, next_obs, terminated)

    @torch.no_grad()
    def shift_(self, delta: float) -> None:
        for member in self.members:
            member.shift_(delta)

    @torch.no_grad()
    def set_absorbing_logit_(self, logit: float) -> None:
        for member in self.members:
            member.set_absorbing_logit_(logit)


def energy_members(energy: nn.Module) -> list[nn.Module]:
    """The networks a discriminator trains one by one: an ensemble's members, else the energy."""
    return list(energy.members) if isinstance(energy, EnergyEnsemble) else [energy]


def with_absorbing_default(weights: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Energy weights saved before the absorbing value existed: not set (the network's value)."""
    if any(k.endswith("absorbing_value") for k in weights):
        return weights
    return {"absorbing_value": torch.zeros(()), "absorbing_set": torch.zeros(()), **weights}


def _single_energy(spec: EnergySpec) -> FreeEnergy | ShapedEnergy:
    return FreeEnergy(spec) if spec.kind == "free" else ShapedEnergy(spec)


def build_energy(spec: EnergySpec, *, reduce: str = "mean") -> FreeEnergy | ShapedEnergy | EnergyEnsemble:
    """The energy network of ``spec``: an :class:`EnergyEnsemble` when ``spec.members`` > 1
    (``reduce`` reads it as one), else a single free or shaped network."""
    return EnergyEnsemble(spec, reduce=reduce) if spec.members > 1 else _single_energy(spec)
