"""The live view of a sweep: every trial's state and latest score, no Ray.

On a terminal, a table (rich) redrawn in place; otherwise one line per change of state
(``18:02:11  done     airl-seed1  Pendulum-v1  score 0.912  4,096 steps``).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import IO

STATES = ("pending", "finished", "running", "retrying", "done", "stopped", "failed")
"""finished: done before this sweep started (skipped); retrying: its worker died, it resumes from
its checkpoint; stopped: stopped early by the search's scheduler."""


@dataclass
class TrialStatus:
    name: str
    task: str
    state: str = "pending"
    score: float | None = None
    steps: int | None = None
    note: str = ""


class LiveView:
    """The states of a sweep's trials; ``update`` redraws (a terminal) or prints a line (a state change)."""

    def __init__(self, stream: IO[str] | None = None, *, live: bool | None = None) -> None:
        self.stream = stream or sys.stdout
        self.live = self.stream.isatty() if live is None else live
        self.trials: dict[str, TrialStatus] = {}
        self._display = None

    def add(self, key: str, name: str, task: str, state: str = "pending") -> None:
        """A trial, known by ``key`` (TASK/NAME)."""
        self.trials[key] = TrialStatus(name, task, state)
        self._changed(self.trials[key], new_state=True)

    def update(self, key: str, *, state: str | None = None, score: float | None = None, steps: int | None = None,
               note: str = "", name: str = "", task: str = "") -> None:
        status = self.trials.get(key)
        if status is None:  # a search's trial, named when it starts
            status = self.trials[key] = TrialStatus(name or key, task)
        new_state = state is not None and state != status.state
        status.state = state or status.state
        status.score = status.score if score is None else score
        status.steps = status.steps if steps is None else steps
        status.note = note or status.note
        self._changed(status, new_state=new_state)

    def counts(self) -> dict[str, int]:
        return {s: n for s in STATES if (n := sum(t.state == s for t in self.trials.values()))}

    def line(self, status: TrialStatus) -> str:
        score = "" if status.score is None else f"  score {status.score:.3f}"
        steps = "" if status.steps is None else f"  {status.steps:,} steps"
        note = f"  {status.note}" if status.note and status.state in ("failed", "retrying") else ""
        return f"{time.strftime('%H:%M:%S')}  {status.state:<8} {status.name}  {status.task}{score}{steps}{note}"

    def close(self) -> None:
        if self._display is not None:
            self._display.stop()
            self._display = None

    def _changed(self, status: TrialStatus, *, new_state: bool) -> None:
        if not self.live:
            if new_state:
                print(self.line(status), file=self.stream, flush=True)
            return
        if self._display is None:
            from rich.console import Console
            from rich.live import Live

            self._display = Live(self._table(), console=Console(file=self.stream), auto_refresh=False)
            self._display.start()
        self._display.update(self._table(), refresh=True)

    def _table(self):  # noqa: ANN202 - a rich Table
        from rich.table import Table

        counts = ", ".join(f"{n} {s}" for s, n in self.counts().items())
        table = Table(title=f"irl sweep: {counts}", title_justify="left")
        for column in ("trial", "task", "state", "score", "steps"):
            table.add_column(column, justify="right" if column in ("score", "steps") else "left")
        colours = {"running": "cyan", "done": "green", "finished": "green", "failed": "red", "retrying": "yellow",
                   "stopped": "magenta"}
        for t in self.trials.values():
            state = f"[{colours[t.state]}]{t.state}[/]" if t.state in colours else t.state
            table.add_row(t.name, t.task, state, "" if t.score is None else f"{t.score:.3f}",
                          "" if t.steps is None else f"{t.steps:,}")
        return table
