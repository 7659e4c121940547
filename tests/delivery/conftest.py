"""Fixtures for delivery tests."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from delivery.deliver import Deliverable
from delivery.message import Mail

TITLES = {"MONTHLY": "月计划达成检查表", "WEEKLY": "周计划达成检查表", "BRANCH": "支行客户经理考核汇总表"}


@pytest.fixture
def make_item(tmp_path: Path) -> Callable[..., Deliverable]:
    """Deliverable factory: writes a small fake PDF whose bytes follow the figures."""

    def make(
        mgr_id: str = "M001",
        name: str = "张三",
        email_addr: str | None = None,
        *,
        kind: str = "MONTHLY",
        period: str = "2026-10",
        status: str = "ACTIVE",
        figures: dict[str, str] | None = None,
        key: str | None = None,
        about: str | None = None,
        headline: tuple[str, ...] = ("总分：86.50 分", "等级：良好"),
    ) -> Deliverable:
        figures = figures if figures is not None else {"总分": "86.5", "存款日均余额": "1,200,000.00"}
        content = json.dumps(figures, ensure_ascii=False, sort_keys=True).encode()
        digest = hashlib.sha256(content).hexdigest()
        pdf = tmp_path / "pdf" / f"{kind}_{mgr_id}_{period}_{digest[:8]}.pdf"
        pdf.parent.mkdir(parents=True, exist_ok=True)
        pdf.write_bytes(b"%PDF-1.7\n" + content + b"\n%%EOF\n")
        label = "2026年10月" if "-W" not in period else "2026年10月19日至25日"
        return Deliverable(
            recipient_email=email_addr or f"{mgr_id.lower()}@bank.example",
            recipient_name=name,
            recipient_id=mgr_id,
            recipient_status=status,
            kind=kind,
            key=key or mgr_id,
            period=period,
            pdf_path=pdf,
            pdf_sha256=hashlib.sha256(pdf.read_bytes()).hexdigest(),
            content_hash=digest,
            figures=figures,
            mail=Mail(TITLES[kind], about or name, label, headline),
        )

    return make
