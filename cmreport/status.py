"""`cmreport status`: what an operator checks first in the morning."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.calendar import days
from flows.context import load_context


def collect(config: str | None) -> dict[str, list[dict[str, Any]]]:
    ctx = load_context(config)
    cat = ctx.catalog
    loaded = cat.dates("staging")
    out: dict[str, list[dict[str, Any]]] = {}
    if loaded:
        missing = [d for d in days(loaded[0], loaded[-1]) if d not in loaded]
        out["staging"] = [
            {
                "first": loaded[0],
                "last": loaded[-1],
                "loaded": len(loaded),
                "missing": ", ".join(d.isoformat() for d in missing) or "none",
                "landing not yet loaded": _unloaded(ctx, loaded),
            }
        ]
    rejects = []
    for unit in cat.units("rejects"):
        meta = cat.meta("rejects", unit) or {}
        n = cat.read("rejects", unit, "rejects").height
        if n or meta.get("status") not in (None, "LOADED"):
            rejects.append(
                {
                    "date": unit,
                    "status": meta.get("status", ""),
                    "rejected rows": n,
                    "reason": meta.get("reason", ""),
                }
            )
    out["rejects"] = rejects
    out["month closes"] = [
        {
            "period": p,
            "run": (cat.meta("monthly", p) or {}).get("run_id", ""),
            "forced": (cat.meta("monthly", p) or {}).get("forced", False),
        }
        for p in cat.units("monthly")
    ]
    try:
        from delivery import pending

        out["deliveries pending or failed"] = pending(ctx.settings)
    except FileNotFoundError:
        out["deliveries pending or failed"] = []
    out["last runs"] = [
        {k: r.get(k, "") for k in ("run_id", "kind", "status", "message")} for r in cat.run_log()[-10:]
    ]
    return out


def _unloaded(ctx, loaded: list[dt.date]) -> str:
    landing = ctx.settings.paths.landing
    if not landing.is_dir():
        return "landing missing"
    have = {d.strftime("%Y%m%d") for d in loaded}
    waiting = sorted(
        p.name for p in landing.iterdir() if p.is_dir() and p.name.isdigit() and p.name not in have
    )
    return ", ".join(waiting[:10]) + (" …" if len(waiting) > 10 else "") if waiting else "none"
