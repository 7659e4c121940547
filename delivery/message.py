"""Report emails: Chinese subject and body, the PDF attached under an RFC 2231-encoded Chinese name.

Built with the standard library's EmailMessage (prefect-email corrupts non-ASCII attachment names).
A correction (version 2 and later) carries 【更正】 in its subject and lists what changed against the
version the recipient last received.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from pathlib import Path

KIND_TITLES: dict[str, str] = {
    "MONTHLY": "月计划达成检查表",
    "WEEKLY": "周计划达成检查表",
    "BRANCH": "网点汇总",
}
CORRECTION_MARK = "【更正】"
MISSING = "—"


@dataclass(frozen=True)
class Change:
    """One figure that differs between the delivered version and the correction."""

    item: str
    old: str
    new: str


def diff_figures(old: dict[str, str], new: dict[str, str]) -> list[Change]:
    """Items whose value differs, in the new report's order, then items the new report dropped."""
    changes = [Change(k, old.get(k, MISSING), v) for k, v in new.items() if old.get(k) != v]
    changes += [Change(k, v, MISSING) for k, v in old.items() if k not in new]
    return changes


def report_title(kind: str) -> str:
    return KIND_TITLES[kind]


def subject_for(kind: str, key: str, period: str, recipient_name: str, version: int) -> str:
    who = f"网点 {key}" if kind == "BRANCH" else recipient_name
    mark = CORRECTION_MARK if version > 1 else ""
    return f"{mark}{report_title(kind)} {period} {who} v{version}"


def attachment_name(kind: str, key: str, period: str, recipient_name: str, version: int) -> str:
    who = key if kind == "BRANCH" else recipient_name
    return f"{report_title(kind)}_{period}_{who}_v{version}.pdf"


def body_for(
    kind: str, period: str, recipient_name: str, version: int, changes: list[Change], filename: str
) -> str:
    title = report_title(kind)
    lines = [f"{recipient_name} 您好：", ""]
    if version == 1:
        lines.append(f"附件是 {period} 的{title}（版本 v{version}）。")
    else:
        lines.append(
            f"附件是 {period} 的{title}更正版（版本 v{version}），替代此前发送的版本，请以本版为准。"
        )
        lines += ["", "与此前发送的版本相比，以下项目有变化："]
        if changes:
            lines += [f"  - {c.item}：原值 {c.old} → 新值 {c.new}" for c in changes]
        else:
            lines.append("  （报表内容有调整，指标数值未变。）")
    lines += ["", f"附件：{filename}", "", "本邮件由报表系统自动发送，请勿直接回复。"]
    return "\n".join(lines) + "\n"


def build_message(
    *,
    sender: str,
    recipient_email: str,
    recipient_name: str,
    kind: str,
    key: str,
    period: str,
    version: int,
    pdf_path: Path,
    changes: list[Change],
    message_id: str,
) -> EmailMessage:
    """The complete email for one report version; reads the PDF from pdf_path."""
    filename = attachment_name(kind, key, period, recipient_name, version)
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = formataddr((recipient_name, recipient_email))
    msg["Subject"] = subject_for(kind, key, period, recipient_name, version)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = message_id
    msg.set_content(
        body_for(kind, period, recipient_name, version, changes, filename), charset="utf-8", cte="base64"
    )
    msg.add_attachment(pdf_path.read_bytes(), maintype="application", subtype="pdf", filename=filename)
    return msg
