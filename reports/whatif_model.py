"""What a what-if comparison shows (reports.whatif builds it; the workbook and the PDF print it).

Figures stay canonical (Decimal, int); labels are Chinese already (core.labels). Each pair of
fields is the published close under the rules in force (``_in_force``) and the what-if close
under the draft (``_draft``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class RuleChangeRow:
    periods: str  # the periods it applies to, e.g. "2026-07、2026-08"
    key_zh: str  # e.g. 评分卡·考核指标·存款余额日均新增额·权重
    in_force: str
    draft: str


@dataclass(frozen=True)
class ManagerRow:
    period: str
    branch_id: str
    branch_name: str
    mgr_id: str
    mgr_name: str
    total_in_force: Decimal | None  # None: not assessed under that scheme
    total_draft: Decimal | None
    delta: Decimal | None
    band_in_force: str
    band_draft: str
    rank_in_force: int | None
    rank_draft: int | None
    branch_size: int
    mark_in_force: str  # 前 25% / 后 25% / ""
    mark_draft: str
    quarter_mean_in_force: Decimal | None  # a quarter's last month only
    quarter_mean_draft: Decimal | None
    advice_in_force: str  # 升级 / 保持 / 降级 / ""
    advice_draft: str
    main_metric: str  # the indicator that moved the score most ("" when nothing moved)
    main_delta: Decimal | None
    reason: str  # e.g. 存款余额日均新增额 -3.20 分（权重 25.00 → 20.00）

    @property
    def band_changed(self) -> bool:
        return self.band_in_force != self.band_draft

    @property
    def advice_changed(self) -> bool:
        return self.advice_in_force != self.advice_draft


@dataclass(frozen=True)
class ItemRow:
    period: str
    mgr_id: str
    mgr_name: str
    metric_zh: str
    category: str
    weight_in_force: Decimal | None
    weight_draft: Decimal | None
    rate_in_force: Decimal | None
    rate_draft: Decimal | None
    score_in_force: Decimal | None
    score_draft: Decimal | None
    delta: Decimal
    assessed_in_force: str  # "" when assessed, else the reason in Chinese
    assessed_draft: str


@dataclass(frozen=True)
class BandRow:
    period: str
    band: str
    n_in_force: int
    n_draft: int


@dataclass(frozen=True)
class SignalRow:
    period: str
    label: str  # e.g. 预警：大额现金, 久悬客户（月末）
    in_force: int
    draft: int


@dataclass(frozen=True)
class PeriodSummary:
    period: str
    n_managers: int
    n_up: int  # managers a band higher under the draft
    n_down: int
    mean_in_force: Decimal | None
    mean_draft: Decimal | None


@dataclass(frozen=True)
class Comparison:
    name: str
    draft_file: str
    periods: tuple[str, ...]
    added: tuple[str, ...]  # quarter months computed so the quarter's mean compares
    rules_version_in_force: str
    rules_version_draft: str
    signals_recomputed: bool
    as_of: dt.date
    generated_at: dt.datetime
    bands: tuple[str, ...]  # the bands of either scheme, highest first
    rule_changes: tuple[RuleChangeRow, ...]
    managers: tuple[ManagerRow, ...]
    items: tuple[ItemRow, ...]
    band_counts: tuple[BandRow, ...]
    signals: tuple[SignalRow, ...]

    @property
    def band_changes(self) -> tuple[ManagerRow, ...]:
        return tuple(m for m in self.managers if m.band_changed)

    @property
    def quarter_rows(self) -> tuple[ManagerRow, ...]:
        return tuple(m for m in self.managers if m.advice_in_force or m.advice_draft)

    def summary(self, period: str) -> PeriodSummary:
        rows = [m for m in self.managers if m.period == period]
        rank = {band: i for i, band in enumerate(self.bands)}  # 0 = the highest band
        moves = [rank[m.band_in_force] - rank[m.band_draft] for m in rows if m.band_in_force and m.band_draft]
        return PeriodSummary(
            period,
            len(rows),
            sum(1 for x in moves if x > 0),
            sum(1 for x in moves if x < 0),
            _mean([m.total_in_force for m in rows]),
            _mean([m.total_draft for m in rows]),
        )

    def counts_of(self, period: str) -> tuple[BandRow, ...]:
        """Every band of the scale for the period, highest first (0 where nobody is in it)."""
        found = {b.band: b for b in self.band_counts if b.period == period}
        return tuple(found.get(band, BandRow(period, band, 0, 0)) for band in self.bands)


def _mean(values: list[Decimal | None]) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) / len(present) if present else None
