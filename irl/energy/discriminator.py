"""The discriminator: a learner's energy and log q, the loss, and its updates.

D(x) = sigmoid(logit(x)), logit = -E(x) - log q(x)  (see :mod:`irl.energy.losses`).
This module trains the energy on :class:`~irl.energy.disc_batch.DiscBatch` rows of
demonstrations and generator rollouts, and reads policy rewards off it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch

from irl.energy.disc_batch import DiscBatch
from irl.energy.learner import Learner, LogProbFn
from irl.energy.losses import (
    NEG_ENERGY,
    discriminator_logit,
    discriminator_loss,
    gradient_penalty,
    policy_reward,
)
from irl.energy.networks import energy_members
from irl.energy.partition import (
    effective_sample_size,
    fusion_log_density,
    importance_log_partition,
    mixture_log_proposal,
)

PENALTY_UNITS = ("standardised", "raw")


class Discriminator:
    """Trains a learner's energy against the generator with balanced batches.

    Args:
        learner: the energy and its log q term.
        lr: Adam learning rate.
        grad_penalty: weight of :func:`irl.energy.losses.gradient_penalty` on E (0 = off).
        batch_size: expert rows and generator rows per update (each).
        seed: seeds the batch sampling and interpolation weights.
        log_z: 'learned' (log Z is E's output bias) or 'importance' (GCL: log Z is
            re-estimated on every minibatch by importance sampling, :mod:`irl.energy.partition`).
        segment_length: None, each sample x is a transition; L, each x is a segment of L
            consecutive steps of one episode (GCL's trajectory form): E(x) = sum of the
            steps' energies, q(x) = the fusion of the policies' products of π over the
            steps, and ``batch_size`` // L segments per minibatch side.
        weight_decay: Adam's L2 weight decay on the energy's parameters.
        penalty_units: the units of the slope the gradient penalty limits: 'standardised' (per
            demo std of each observation feature, the energy's own inputs: every feature alike)
            or 'raw' (per unit of the raw observation: features the demos barely vary are held
            far flatter, a smoothness prior where a fresh agent's states will stray).
    """

    def __init__(self, learner: Learner, *, lr: float, grad_penalty: float, batch_size: int, seed: int,
                 log_z: str = "learned", segment_length: int | None = None, weight_decay: float = 0.0,
                 penalty_units: str = "standardised") -> None:
        if log_z not in ("learned", "importance"):
            raise ValueError(f"log_z must be 'learned' or 'importance', got {log_z!r}")
        if segment_length is not None and grad_penalty > 0:
            raise ValueError("the gradient penalty is defined on transitions, not trajectory segments")
        if penalty_units not in PENALTY_UNITS:
            raise ValueError(f"penalty_units must be one of {PENALTY_UNITS}, got {penalty_units!r}")
        self.penalty_units = penalty_units
        self.segment_length = segment_length
        self.learner = learner
        self.energy = learner.energy
        self.optimizer = torch.optim.Adam(self.energy.parameters(), lr=lr, weight_decay=weight_decay)
        self.grad_penalty = grad_penalty
        self.batch_size = batch_size
        self.generator = torch.Generator().manual_seed(seed)
        self.log_z_mode = log_z
        self.log_z = 0.0
        """The latest importance-sampled log Z (importance mode); 0 when learned. In the per-step
        form it is the loss-optimal bias, not a partition function (:mod:`irl.energy.partition`)."""
        self.log_z_ess = 1.0
        """Effective sample size (fraction) of the importance weights behind :attr:`log_z`."""

    def logits(self, batch: DiscBatch, log_prob: LogProbFn) -> torch.Tensor:
        """logit = -E - log q (- log Z in importance mode) for every row: (B,).

        In the trajectory form these are per-step shares of a segment's logit
        (log Z / L per step), which sum to the segment's logit under one policy."""
        energy = self.energy(*batch.energy_inputs)
        log_z = None
        if self.log_z_mode == "importance":
            log_z = self.log_z / (self.segment_length or 1)
        return discriminator_logit(energy, self.learner.log_q(batch, log_prob), log_z)

    def pair_logits(self, expert: DiscBatch, gen: DiscBatch, log_prob: LogProbFn,
                    energy: torch.nn.Module | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits of an expert and a generator minibatch of transitions, by ``energy`` (an
        ensemble's member; None: the whole energy)."""
        energy = self.energy if energy is None else energy
        return self._with_log_z(energy(*expert.energy_inputs), self.learner.log_q(expert, log_prob),
                                energy(*gen.energy_inputs), self.learner.log_q(gen, log_prob))

    def segment_logits(self, expert: DiscBatch, gen: DiscBatch,
                       log_probs: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits of expert and generator segments: rows (B·L) in segment order -> (B,) each.

        log_probs: raw obs, raw acts (N,) -> (K, N), log π_k of each replayed policy;
        q(segment) = 1/K sum_k prod_t π_k(a_t|s_t) (GCL's fusion density of trajectories).
        """
        length = self.segment_length

        def terms(rows: DiscBatch) -> tuple[torch.Tensor, torch.Tensor]:
            energy = self.energy(*rows.energy_inputs).view(-1, length).sum(1)  # (B,)
            per_policy = log_probs(rows.raw_obs, rows.raw_acts)  # (K, B·L)
            return energy, fusion_log_density(per_policy.view(len(per_policy), -1, length).sum(2))

        return self._with_log_z(*terms(expert), *terms(gen))

    def _with_log_z(self, energy_e: torch.Tensor, log_q_e: torch.Tensor | None, energy_g: torch.Tensor,
                    log_q_g: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        """The logits; in importance mode log Z is estimated from the expert and generator
        samples together (draws of mu = 1/2 demos + 1/2 generator)."""
        log_z = None
        if self.log_z_mode == "importance":
            energy, log_q = torch.cat([energy_e, energy_g]), torch.cat([log_q_e, log_q_g])
            log_proposal = mixture_log_proposal(energy.detach(), log_q, self.log_z)
            log_z = importance_log_partition(energy, log_proposal)
            self.log_z = log_z.item()
            self.log_z_ess = effective_sample_size(-energy - log_proposal)
        return discriminator_logit(energy_e, log_q_e, log_z), discriminator_logit(energy_g, log_q_g, log_z)

    @torch.no_grad()
    def center(self, expert: DiscBatch, gen: DiscBatch, log_prob: LogProbFn,
               segments: "SegmentIndex | None" = None) -> float:
        """Start log Z where the logits are centred; returns the shift.

        Learned log Z: shift E so the mean logit over expert and generator samples is 0
        (AIRL's log q = log π(a|s) of a fresh, wide policy offsets every logit by several
        nats, which a small learning rate would take thousands of steps to absorb).
        Importance mode: iterate the estimate to its fixed point on all samples.
        """
        def logits() -> tuple[torch.Tensor, torch.Tensor]:
            if segments is None:
                return self.pair_logits(expert, gen, log_prob)
            return self.segment_logits(expert.index(segments.expert.reshape(-1)),
                                       gen.index(segments.gen.reshape(-1)), segments.log_probs)

        if self.log_z_mode == "importance":
            for _ in range(50):
                logits()
            return self.log_z
        if segments is None:  # each member of an ensemble centred on its own
            shifts = []
            for member in energy_members(self.energy):
                logit_e, logit_g = self.pair_logits(expert, gen, log_prob, member)
                shifts.append(0.5 * (logit_e.mean() + logit_g.mean()).item())
                member.shift_(shifts[-1])
            return sum(shifts) / len(shifts)
        logit_e, logit_g = logits()
        mean = 0.5 * (logit_e.mean() + logit_g.mean()).item()
        self.energy.shift_(mean / self.segment_length)  # a segment's E is a sum of L step energies
        return mean

    def update(self, expert: DiscBatch, gen: DiscBatch, log_prob: LogProbFn, *, steps: int,
               regularizer: Callable[[torch.nn.Module], torch.Tensor] | None = None,
               segments: "SegmentIndex | None" = None) -> dict[str, float]:
        """``steps`` Adam steps on balanced minibatches; returns mean loss, penalties and accuracies.

        regularizer: an extra penalty on the energy added to each step's loss (GCL's lcr/mono).
        segments: the trajectory form's segments (required when ``segment_length`` is set).
        """
        totals = {"disc_loss": 0.0, "grad_penalty": 0.0, "cost_reg": 0.0, "acc_expert": 0.0, "acc_gen": 0.0,
                  "log_z_ess": 0.0}
        members = energy_members(self.energy)
        for _ in range(steps):
            total = torch.zeros(())
            for member in members:  # an ensemble's members each on their own minibatches
                loss, figures = self._member_loss(member, expert, gen, log_prob, regularizer, segments)
                total = total + loss
                for key, value in figures.items():
                    totals[key] += value / len(members)
            self.optimizer.zero_grad(set_to_none=True)
            total.backward()
            self.optimizer.step()
            totals["log_z_ess"] += self.log_z_ess
        metrics = {k: v / max(steps, 1) for k, v in totals.items()}
        if self.log_z_mode == "importance":
            metrics["log_z"] = self.log_z
        else:
            del metrics["log_z_ess"]
        return metrics

    def _member_loss(self, energy: torch.nn.Module, expert: DiscBatch, gen: DiscBatch, log_prob: LogProbFn,
                     regularizer: Callable[[torch.nn.Module], torch.Tensor] | None,
                     segments: "SegmentIndex | None") -> tuple[torch.Tensor, dict[str, float]]:
        """One minibatch's loss of ``energy`` (penalties included) and its figures."""
        if segments is None:
            e, g = expert.index(self._sample(len(expert))), gen.index(self._sample(len(gen)))
            logit_e, logit_g = self.pair_logits(e, g, log_prob, energy)
        else:
            n = max(1, self.batch_size // self.segment_length)
            pick_e = segments.expert[self._sample(len(segments.expert), n)].reshape(-1)
            pick_g = segments.gen[self._sample(len(segments.gen), n)].reshape(-1)
            logit_e, logit_g = self.segment_logits(expert.index(pick_e), gen.index(pick_g), segments.log_probs)
        loss = discriminator_loss(logit_e, logit_g)
        penalty = torch.zeros(())
        if self.grad_penalty > 0:
            alpha = torch.rand(len(e), 1, generator=self.generator)
            term = torch.where(alpha[:, 0] > 0.5, e.terminated, g.terminated)
            obs_scale = self._obs_scale(energy, e.obs.shape[1]) if self.penalty_units == "standardised" else None
            penalty = gradient_penalty(lambda o, a, n: energy(o, a, n, term),
                                       (e.obs, e.acts, e.next_obs), (g.obs, g.acts, g.next_obs), alpha,
                                       free=self._free_columns(e.obs.shape[1]), scales=(obs_scale, None, obs_scale))
        reg = regularizer(energy) if regularizer is not None else torch.zeros(())
        figures = {"disc_loss": loss.item(), "grad_penalty": penalty.item(), "cost_reg": reg.item(),
                   "acc_expert": (logit_e > 0).float().mean().item(), "acc_gen": (logit_g < 0).float().mean().item()}
        return loss + self.grad_penalty * penalty + reg, figures

    def set_learning_rate(self, lr: float) -> None:
        """The energy optimiser's learning rate from now on."""
        for group in self.optimizer.param_groups:
            group["lr"] = lr

    def fit_absorbing(self, n_expert: int, rows_expert: int, n_gen: int, rows_gen: int) -> float:
        """Set the logit of the absorbing state to its optimum under the balanced loss,
        log(p_expert(abs) / p_generator(abs)), from counts of absorbing rows among the rows
        of each side (add-1/2 smoothing); returns that logit. See
        :func:`irl.energy.networks.override_absorbing`."""
        logit = math.log((n_expert + 0.5) / (rows_expert + 1)) - math.log((n_gen + 0.5) / (rows_gen + 1))
        log_z = self.log_z / (self.segment_length or 1) if self.log_z_mode == "importance" else 0.0
        self.energy.set_absorbing_logit_(logit + log_z)  # logit = -E - log Z there (log q = 0)
        return logit

    @staticmethod
    def _obs_scale(energy: torch.nn.Module, width: int) -> torch.Tensor:
        """(width,) the std that standardises each observation column before ``energy``
        sees it (1 for the absorbing flag): the gradient penalty measures slopes per unit of
        the energy's own inputs, not of the raw observation."""
        std = energy.normalize.std
        return torch.cat([std, torch.ones(width - len(std))])

    def _free_columns(self, width: int) -> tuple[torch.Tensor | None, None, torch.Tensor | None] | None:
        """Masks of the obs / acts / next_obs columns the gradient penalty leaves free: the
        absorbing flag. Slope-limited in it, the energy could not score the absorbing state
        far from the states around it, and an expert that rarely ends (the generator often
        does) would still reward ending: every step's reward there lasts γ/(1-γ) steps."""
        if not self.energy.spec.absorbing:
            return None
        flag = torch.zeros(width, dtype=torch.bool)
        flag[-1] = True
        return flag, None, flag

    @torch.no_grad()
    def policy_rewards(self, batch: DiscBatch, log_prob: LogProbFn, kind: str) -> torch.Tensor:
        """The generator's reward for each row, read off the logit (or -E for 'neg_energy'): (B,)."""
        if kind == NEG_ENERGY:
            return -self.energy(*batch.energy_inputs)
        return policy_reward(self.logits(batch, log_prob), kind)

    def _sample(self, n: int, size: int | None = None) -> torch.Tensor:
        return torch.randint(n, (size or self.batch_size,), generator=self.generator)


@dataclass(frozen=True)
class SegmentIndex:
    """Trajectory segments for GCL's trajectory form.

    Attributes:
        expert, gen: (M, L) int64 row indices of L consecutive steps of one episode, into
            the expert and generator DiscBatches.
        log_probs: raw obs, raw acts (N,) -> (K, N), log π_k under each replayed policy.
    """

    expert: torch.Tensor
    gen: torch.Tensor
    log_probs: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
