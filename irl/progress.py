"""A progress bar with live figures of the latest round."""

from __future__ import annotations

from tqdm.auto import tqdm


class RoundProgress:
    """tqdm bar over environment steps; postfix shows return, score and discriminator."""

    def __init__(self, total_steps: int, *, enabled: bool = True, desc: str = "", initial: int = 0) -> None:
        self.bar = tqdm(total=total_steps, initial=initial, unit="step", desc=desc, disable=not enabled,
                        dynamic_ncols=True)
        self.last_return: float | None = None
        self.last_score: float | None = None

    def __call__(self, metrics: dict[str, float]) -> None:
        self.last_return = metrics.get("ep_return", self.last_return)
        self.last_score = metrics.get("normalized_return", self.last_score)
        fig = {"round": int(metrics["round"])}
        if self.last_return is not None:
            fig["return"] = f"{self.last_return:.1f}"
        if self.last_score is not None:
            fig["score"] = f"{self.last_score:.2f}"
        fig["D(expert)"] = f"{metrics['acc_expert']:.2f}"
        fig["D(gen)"] = f"{metrics['acc_gen']:.2f}"
        self.bar.set_postfix(fig, refresh=False)
        self.bar.update(int(metrics["steps"]) - self.bar.n)

    def close(self) -> None:
        self.bar.close()
