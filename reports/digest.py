"""View model of a nightly digest (每日提醒 for a manager, 团队每日提醒 for a supervisor): sections
of rows, each row once as table cells (the HTML body) and once as a sentence (the plain-text
body), both written here, so the two forms say the same thing.

The content fingerprint covers everything the digest says (not the recipient's address or name,
nor the version, nor the sections left out for being empty): a rerun of the night with the same
news is not sent again, a changed one is a correction."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

import jinja2

from reports import fmt
from reports.model import Recipient

DigestKind = Literal["DIGEST", "TEAM_DIGEST"]
DIGEST_KINDS: tuple[DigestKind, ...] = get_args(DigestKind)
TITLES: dict[str, str] = {"DIGEST": "每日提醒", "TEAM_DIGEST": "团队每日提醒"}
TEMPLATE = "digest.html.j2"
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "report_templates"
NUMERALS = "〇一二三四五六七八九十"
"""Section numbers as a Chinese letter writes them: 一、二、…"""


@dataclass(frozen=True)
class Row:
    cells: tuple[str, ...]
    line: str  # the same row as one sentence of the plain-text body


@dataclass(frozen=True)
class Section:
    title: str
    note: str  # what to do about it, one sentence
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    n_total: int  # rows in all (only the first list_row_limit are listed)
    unit: str = "条"
    actionable: bool = True  # a section that alone makes a digest worth sending
    numeric: tuple[int, ...] = ()  # columns of counts and rates (amounts are those headed （元）)

    @property
    def right_aligned(self) -> frozenset[int]:
        """The columns printed flush right: amounts (headed …（元）), counts and rates."""
        return frozenset(self.numeric) | {i for i, c in enumerate(self.columns) if c.endswith("（元）")}

    @property
    def heading(self) -> str:
        return f"{self.title}（{self.n_total} {self.unit}）" if self.actionable else self.title

    @property
    def more(self) -> int:
        return self.n_total - len(self.rows)


@dataclass(frozen=True)
class Digest:
    kind: DigestKind
    recipient: Recipient
    d: dt.date
    intro: str  # the sentence before the sections
    sections: tuple[Section, ...]

    @property
    def key(self) -> str:
        return self.recipient.person_id

    @property
    def period(self) -> str:
        return self.d.isoformat()

    @property
    def title(self) -> str:
        return TITLES[self.kind]

    @property
    def shown(self) -> tuple[Section, ...]:
        """The sections printed: those with rows (a section with nothing to say is left out)."""
        return tuple(s for s in self.sections if s.n_total)

    @property
    def has_news(self) -> bool:
        return any(s.n_total for s in self.sections if s.actionable)

    @property
    def opening(self) -> str:
        """The intro; a digest with nothing to act on (sent only to correct an earlier one) says so."""
        return self.intro if self.has_news else f"经更正，{fmt.month_day_weekday(self.d)}日终后没有需要您处理的事项。"

    def figures(self) -> dict[str, str]:
        """Each section's count, with its unit (a correction lists those that changed)."""
        return {s.title: f"{s.n_total} {s.unit}" for s in self.sections if s.actionable}

    def text_lines(self) -> tuple[str, ...]:
        """The plain-text body between the greeting and the footer."""
        lines = [self.opening]
        for i, s in enumerate(self.shown, start=1):
            lines += ["", f"{NUMERALS[i]}、{s.heading}"]
            if s.note:
                lines.append(f"  {s.note}")
            lines += [f"  {n}. {r.line}" for n, r in enumerate(s.rows, start=1)]
            if s.more:
                lines.append(f"  ……另有 {s.more} {s.unit}未列出。")
        return tuple(lines)

    def html(self) -> str:
        """The HTML body between the greeting and the footer (report_templates/digest.html.j2)."""
        return _template().render(digest=self, numerals=NUMERALS)

    def content_fingerprint(self) -> str:
        said: list[object] = [self.kind, self.key, self.period, self.opening]
        for s in self.shown:  # what the digest says: a section it leaves out does not count
            said += [s.heading, s.note, list(s.columns), [[*r.cells, r.line] for r in s.rows], s.more]
        return hashlib.sha256(json.dumps(said, ensure_ascii=False).encode("utf-8")).hexdigest()


@functools.cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True, undefined=jinja2.StrictUndefined
    )
    return env.get_template(TEMPLATE)
