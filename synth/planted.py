"""Planted cases (stub)."""

from __future__ import annotations

import numpy as np

from synth.bank import Bank
from synth.day import Day


class Planter:
    def __init__(self, bank: Bank, rng: np.random.Generator, exclude_mgr: int = -1) -> None:
        self.bank = bank
        self.cases: list[dict] = []
        self.skipped: list[dict] = []

    def note_leaver(self, day: Day, leaver, moved: int, leave_day: int) -> None:
        pass

    def run(self, day: Day, fx_row) -> None:
        pass

    def contacts(self, day: Day) -> None:
        pass

    def ground_truth(self, start, end, customers, managers, branches, seed) -> dict:
        return {"cases": self.cases, "skipped": self.skipped}
