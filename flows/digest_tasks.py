"""The night's digests: read what the night published (steps.digest), write each recipient's
digest (reports.digest_build), deliver them through the ledger with the reports (flows.report_tasks).
A digest with nothing to act on is not sent, unless it corrects one sent before for the same night."""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import task
from prefect.cache_policies import NONE as NO_CACHE

from flows.context import load_context
from flows.report_tasks import deliver_reports


def night_digests(config: str | None, d: dt.date, run_id: str) -> dict[str, Any]:
    """Build and send the digests of the night d (conf/settings.toml [digest] says for whom)."""
    items = build_digest_items(config, d)
    summary: dict[str, Any] = {"date": d.isoformat(), "digests": len(items)}
    if items:
        summary["delivery"] = deliver_reports(config, items, run_id)
    return summary


@task(name="build-digests", cache_policy=NO_CACHE)
def build_digest_items(config: str | None, d: dt.date) -> list[dict[str, Any]]:
    """The deliverables (delivery.Deliverable fields) of the night's digests worth sending. A digest
    of the night an earlier run left waiting in the ledger, and this run does not send, is withdrawn."""
    from delivery import Deliverable, preview, withdraw_others
    from reports.digest import DIGEST_KINDS
    from reports.digest_build import DigestOptions, build_digests
    from steps.digest import night_news

    ctx = load_context(config)
    conf = ctx.settings.digest
    if not (conf.managers or conf.supervisors):
        return []
    rules = ctx.rules_for(d)
    news = night_news(ctx.catalog, d, rules, conf.maturity_days)
    opts = DigestOptions(conf.managers, conf.supervisors, conf.maturity_days, conf.near_deadline_business_days, rules)
    digests = build_digests(news, opts)
    items = [digest_deliverable(g) for g in digests]
    quiet = [i for i, g in zip(items, digests, strict=True) if not g.has_news]
    plans = preview([Deliverable(**i) for i in quiet], ctx.settings) if quiet else []
    never_sent = {id(i) for i, p in zip(quiet, plans, strict=True) if p.action == "new"}
    send = [i for i in items if id(i) not in never_sent]
    # a digest of an earlier run of the night still waiting (the mail server was down) that this
    # run does not send any more (the night was restated) is withdrawn, not sent later
    reason = f"withdrawn: nothing to act on after {d} was restated"
    withdraw_others(DIGEST_KINDS, d.isoformat(), [Deliverable(**i) for i in send], ctx.settings, reason)
    return send


def digest_deliverable(digest: Any) -> dict[str, Any]:
    """The delivery ledger's view of a digest: no PDF, its text and HTML in the mail itself."""
    from delivery.deliver import recipient_fields
    from delivery.message import Mail
    from reports.digest_build import night_of

    rec = digest.recipient
    return {
        **recipient_fields(rec),
        "kind": digest.kind,
        "key": digest.key,
        "period": digest.period,
        "pdf_path": None,
        "pdf_sha256": "",
        "content_hash": digest.content_fingerprint(),
        "figures": digest.figures(),
        "mail": Mail(digest.title, rec.name, night_of(digest.d), digest.text_lines(), digest.html()),
    }
