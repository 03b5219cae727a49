"""When a run ends: after its epochs (`--epochs`), when its time budget is spent (`--minutes`), or when val mIoU
has not improved for `--patience` epochs. best.pt keeps the best epoch whichever ends it."""

from __future__ import annotations

import time
from typing import List, Optional

#: the epoch cap of a run given only --minutes
MAX_EPOCHS = 1000


class Budget:
    def __init__(self, epochs: Optional[int], minutes: Optional[float], patience: int, started: Optional[float] = None):
        """`started`: when the command started (the budget covers start-up too), else now."""
        self.cap = epochs or MAX_EPOCHS
        self.seconds = minutes * 60 if minutes else None
        self.patience = patience
        self.started = started or time.time()
        self.walls: List[float] = []  # wall time of each epoch of this process (training, validation, checkpoint)
        self._mark = time.time()

    def spend(self, seconds: float) -> None:
        """Seconds an interrupted run already used: a resumed run has the rest of its budget."""
        self.started -= seconds

    def epoch_done(self) -> None:
        now = time.time()
        self.walls.append(now - self._mark)
        self._mark = now

    def planned(self, done: int) -> int:
        """Epochs the run will have when it ends: the cap, or as many as the time left holds at the measured
        pace (the learning-rate schedule decays to zero there)."""
        if self.seconds is None or not self.walls:
            return self.cap
        left = self.seconds - (time.time() - self.started)
        pace = sum(self.walls) / len(self.walls)
        return max(done, min(self.cap, done + int(left // pace)))

    def reason_to_stop(self, history: List[dict], planned: int) -> Optional[str]:
        """ "epochs", "minutes" or "patience" once the run should end after the epochs in `history`."""
        done = history[-1]["epoch"] if history else 0
        if done >= self.cap:
            return "epochs"
        if done >= planned:
            return "minutes"
        best = best_epoch(history)
        if self.patience and best and done - best >= self.patience:
            return "patience"
        return None


def best_epoch(history: List[dict]) -> int:
    """The first epoch with the highest val mIoU (0 when none has one)."""
    scored = [h for h in history if h["val"]["miou"] is not None]
    return max(scored, key=lambda h: h["val"]["miou"])["epoch"] if scored else 0
