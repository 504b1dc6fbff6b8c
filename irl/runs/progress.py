"""A progress bar with live figures of the latest round (or episode)."""

from __future__ import annotations

from tqdm.auto import tqdm


class RoundProgress:
    """tqdm bar over environment steps; postfix shows the round (or episode), return,
    score and, for adversarial runs, the discriminator.

    ``total_steps`` is what the run will take: SB3 trains whole rollouts, so a budget that
    is not a multiple of one is rounded up (:func:`whole_rollouts`)."""

    def __init__(self, total_steps: int, *, enabled: bool = True, desc: str = "", initial: int = 0) -> None:
        self.bar = tqdm(total=total_steps, initial=initial, unit="step", desc=desc, disable=not enabled,
                        dynamic_ncols=True)
        self.last_return: float | None = None
        self.last_score: float | None = None

    def __call__(self, metrics: dict[str, float]) -> None:
        self.last_return = metrics.get("ep_return", self.last_return)
        self.last_score = metrics.get("normalized_return", self.last_score)
        fig = {key: int(metrics[key]) for key in ("round", "episode") if key in metrics}
        if self.last_return is not None:
            fig["return"] = f"{self.last_return:.1f}"
        if self.last_score is not None:
            fig["score"] = f"{self.last_score:.2f}"
        if "acc_expert" in metrics:
            fig["D(expert)"] = f"{metrics['acc_expert']:.2f}"
            fig["D(gen)"] = f"{metrics['acc_gen']:.2f}"
        self.bar.set_postfix(fig, refresh=False)
        self.update_to(int(metrics["steps"]))

    def update_to(self, steps: int) -> None:
        """Move the bar to ``steps`` done (the total grows if a run takes more than announced)."""
        if steps > self.bar.total:
            self.bar.total = steps
        self.bar.update(steps - self.bar.n)

    def close(self) -> None:
        self.bar.close()


def whole_rollouts(steps: int, rollout: int) -> int:
    """``steps`` rounded up to whole rollouts of ``rollout`` steps: what SB3 trains for."""
    return -(-steps // rollout) * rollout
