"""The comparison of a what-if run with the published closes, read from the warehouse.

``published`` is the warehouse, ``view`` the what-if run's view of it (core.catalog.WhatIfCatalog):
their monthly scorecards and indicators side by side (transforms.whatif), the alerts and the
dormant and lost customers of each period, what the draft changes in the rules, with the names of
the period's last MANAGER snapshot and Chinese labels (core.labels).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import polars as pl

from core import labels as L
from core.calendar import days, period_bounds
from core.catalog import Catalog, WhatIfCatalog
from core.rules import BANDS, RulesBook, RuleSet, rule_changes
from reports import fmt
from reports.whatif_model import BandRow, Comparison, ItemRow, ManagerRow, RuleChangeRow, SignalRow
from transforms.whatif import band_counts, item_moves, main_moves, scorecards_side_by_side


def build_comparison(
    published: Catalog,
    view: WhatIfCatalog,
    books: tuple[RulesBook, RulesBook],
    periods: Sequence[str],
    added: Sequence[str],
    draft_file: str,
    generated_at: dt.datetime,
) -> Comparison:
    """``books``: the rules in force and the draft laid over them; ``periods``: every period the run
    closed (``added``: those of them computed only for a quarter's mean)."""
    in_force, draft = books
    units = list(periods)
    sbs = scorecards_side_by_side(
        published.scan("monthly", "scorecard", units), view.scan("monthly", "scorecard", units)
    ).collect()
    moves = item_moves(
        published.scan("monthly", "indicators", units), view.scan("monthly", "indicators", units)
    ).collect()
    names = _names(published, units)
    in_force_bands, draft_bands = ({b.name for p in units for b in book.for_date(period_bounds(p)[1]).scorecard.bands}
                                   for book in books)  # fmt: skip
    return Comparison(
        name=view.name,
        draft_file=draft_file,
        periods=tuple(units),
        added=tuple(added),
        rules_version_in_force=in_force.version,
        rules_version_draft=draft.version,
        signals_recomputed="daily" in view.areas,
        as_of=max(published.dates("staging")),
        generated_at=generated_at,
        bands=tuple(b for b in BANDS if b in in_force_bands | draft_bands),
        rule_changes=_rule_change_rows(books, units),
        managers=_manager_rows(sbs, main_moves(moves.lazy()).collect(), names, books),
        items=_item_rows(moves, names),
        band_counts=tuple(BandRow(**r) for r in band_counts(sbs.lazy()).collect().to_dicts()),
        signals=tuple(row for p in units for row in _signal_rows(published, view, p)),
    )


def _names(catalog: Catalog, periods: list[str]) -> dict[tuple[str, str], dict[str, Any]]:
    """(period, mgr_id) -> the MANAGER row of the period's last day (name, branch name)."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for p in periods:
        roster = catalog.read("staging", period_bounds(p)[1].isoformat(), "MANAGER")
        out |= {(p, r["mgr_id"]): r for r in roster.to_dicts()}
    return out


def _mark(top: bool | None, bottom: bool | None, rules: RuleSet) -> str:
    pct = fmt.exact(rules.scorecard.top_bottom_pct)
    return f"前 {pct}%" if top else f"后 {pct}%" if bottom else ""


def _manager_rows(
    sbs: pl.DataFrame,
    main: pl.DataFrame,
    names: dict[tuple[str, str], dict[str, Any]],
    books: tuple[RulesBook, RulesBook],
) -> tuple[ManagerRow, ...]:
    why = {(r["period"], r["mgr_id"]): r for r in main.to_dicts()}
    rows = []
    for r in sbs.to_dicts():
        p, m = r["period"], r["mgr_id"]
        in_force, draft = (b.for_date(period_bounds(p)[1]) for b in books)
        person = names.get((p, m), {})
        move = why.get((p, m))
        rows.append(
            ManagerRow(
                period=p, branch_id=r["branch_id"], branch_name=person.get("branch_name", r["branch_id"]),
                mgr_id=m, mgr_name=person.get("mgr_name", ""),
                total_in_force=r["total_in_force"], total_draft=r["total_draft"], delta=r["delta"],
                band_in_force=r["band_in_force"] or "", band_draft=r["band_draft"] or "",
                rank_in_force=r["rank_in_branch_in_force"], rank_draft=r["rank_in_branch_draft"],
                branch_size=r["branch_size_draft"] or r["branch_size_in_force"],
                mark_in_force=_mark(r["top25_in_force"], r["bottom25_in_force"], in_force),
                mark_draft=_mark(r["top25_draft"], r["bottom25_draft"], draft),
                quarter_mean_in_force=r["quarter_mean_in_force"], quarter_mean_draft=r["quarter_mean_draft"],
                advice_in_force=L.SUGGESTION_ZH.get(r["quarter_suggestion_in_force"] or "", ""),
                advice_draft=L.SUGGESTION_ZH.get(r["quarter_suggestion_draft"] or "", ""),
                main_metric=L.METRIC_ZH.get(move["metric"], move["metric"]) if move else "",
                main_delta=move["delta"] if move else None,
                reason=_reason(move) if move else "",
            )
        )  # fmt: skip
    return tuple(sorted(rows, key=lambda x: (x.period, x.branch_id, x.rank_draft or 0, x.mgr_id)))


def _reason(move: dict[str, Any]) -> str:
    """存款余额日均新增额 -3.20 分（权重 25.00 → 20.00）: the indicator, its change, and what moved it."""
    head = f"{L.METRIC_ZH.get(move['metric'], move['metric'])} {fmt.signed(move['delta'])} 分"
    if move["weight_in_force"] != move["weight_draft"]:
        before, after = (_weight(move[f"weight_{s}"]) for s in ("in_force", "draft"))
        return f"{head}（权重 {before} → {after}）"
    if move["assessed_in_force"] != move["assessed_draft"]:
        before, after = (_assessed(move[f"assessed_{s}"]) or "已考核" for s in ("in_force", "draft"))
        return f"{head}（{before} → {after}）"
    return f"{head}（达成率 {fmt.pct(move['rate_in_force'])} → {fmt.pct(move['rate_draft'])}）"


def _weight(weight: Decimal | None) -> str:
    """An effective weight to 0.01 without trailing zeros (25, 31.82); 无 for an item not in the scheme."""
    return "无" if weight is None else fmt.exact(fmt.q2(weight))


def _assessed(code: str | None) -> str:
    return "未考核" if code is None else L.ASSESSED_ZH.get(code, code)


def _item_rows(moves: pl.DataFrame, names: dict[tuple[str, str], dict[str, Any]]) -> tuple[ItemRow, ...]:
    return tuple(
        ItemRow(
            period=r["period"], mgr_id=r["mgr_id"], mgr_name=names.get((r["period"], r["mgr_id"]), {}).get("mgr_name", ""),
            metric_zh=L.METRIC_ZH.get(r["metric"], r["metric"]), category=r["category"],
            weight_in_force=r["weight_in_force"], weight_draft=r["weight_draft"],
            rate_in_force=r["rate_in_force"], rate_draft=r["rate_draft"],
            score_in_force=r["score_in_force"], score_draft=r["score_draft"], delta=r["delta"],
            assessed_in_force=_assessed(r["assessed_in_force"]), assessed_draft=_assessed(r["assessed_draft"]),
        )
        for r in moves.to_dicts()
    )  # fmt: skip


def _signal_rows(published: Catalog, view: Catalog, period: str) -> list[SignalRow]:
    """The period's alerts by rule, its dormant accounts and customers at month end, its lost and
    at-risk customers: under the rules in force (published) and under the draft (the view)."""
    counts = [_signal_counts(c, period) for c in (published, view)]
    labels = dict.fromkeys([*counts[0], *counts[1]])
    return [SignalRow(period, label, counts[0].get(label, 0), counts[1].get(label, 0)) for label in labels]


def _signal_counts(catalog: Catalog, period: str) -> dict[str, int]:
    first, last = period_bounds(period)
    units = [d.isoformat() for d in days(first, last) if catalog.has("daily", d.isoformat(), "alerts")]
    alerts = catalog.scan("daily", "alerts", units).group_by("rule").len().collect() if units else None
    by_rule = {} if alerts is None else dict(zip(alerts["rule"], alerts["len"], strict=True))
    out = {"预警合计": sum(by_rule.values())}
    out |= {f"预警：{L.RULE_ZH[rule]}": int(by_rule.get(rule, 0)) for rule in L.RULE_ZH}
    end = last.isoformat()
    if catalog.has("daily", end, "dormancy"):
        states = catalog.read("daily", end, "dormancy")["state"]
        out["不动户账户（月末）"] = int((states == "INACTIVE").sum())
        out["久悬账户（月末）"] = int((states == "DORMANT").sum())
        out["久悬客户（月末）"] = catalog.read("daily", end, "dormant_customers").height
    attrition = catalog.read("monthly", period, "attrition")["state"]
    out |= {f"{zh}客户": int((attrition == code).sum()) for code, zh in L.ATTRITION_ZH.items()}
    return out


def _rule_change_rows(books: tuple[RulesBook, RulesBook], periods: list[str]) -> tuple[RuleChangeRow, ...]:
    """What the draft changes at each period's end, one row per change with the periods it holds in."""
    found: dict[tuple[str, str, str], list[str]] = {}
    for p in periods:
        in_force, draft = (b.for_date(period_bounds(p)[1]) for b in books)
        for path, before, after in rule_changes(in_force, draft):
            key = (_key_zh(path), _value_zh(path[-1], before), _value_zh(path[-1], after))
            found.setdefault(key, []).append(p)
    return tuple(RuleChangeRow("、".join(ps), *key) for key, ps in found.items())


def _key_zh(path: tuple[str, ...]) -> str:
    """("scorecard", "items", "DEP_AVG_INC", "weight") -> 评分卡·考核指标·存款余额日均新增额·权重."""
    parts = []
    for i, part in enumerate(path):
        entries = L.RULES_VALUE_ZH.get(path[i - 1], {}) if i else {}
        parts.append(entries.get(part) or L.RULES_KEY_ZH.get(part, part))
    return "·".join(parts)


def _value_zh(key: str, value: Any) -> str:
    if value is None:
        return "（无）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return fmt.exact(value)
    if isinstance(value, list):
        return "、".join(_value_zh(key, v) for v in value) or "（无）"
    if isinstance(value, dict):
        named = {k: v for k, v in value.items() if v is not None and k not in ("code", "name")}
        return "；".join(
            f"{L.RULES_KEY_ZH.get(k, L.RULES_VALUE_ZH.get(key, {}).get(k, k))} {_value_zh(k, v)}"
            for k, v in named.items()
        )
    return L.RULES_VALUE_ZH.get(key, {}).get(str(value), str(value))
