"""Report emails: a Chinese subject and body that carry the report's headline, the PDF attached.

Built with the standard library's EmailMessage (prefect-email corrupts non-ASCII attachment
names). The subject and the attachment are named like the PDF's title, with whom it concerns
(the manager, or the branch for a branch head's summary). The attachment's name is given twice:
`filename*` (RFC 2231) on Content-Disposition, read by current mail clients, and `name=` on
Content-Type as RFC 2047 encoded words, the form older clients (Outlook 2007, Foxmail 6) read.
Every text that reaches a header is cut to one line first and the recipient goes in through
`Address`, so a name such as `李四 <boss@x.com>` or one with CR/LF can neither replace the
address in To: nor add a header. A correction (version 2 and later) carries 【更正】 in its
subject and lists, in its body, what changed against the version the recipient last received.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import re
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo

CORRECTION_MARK = "【更正】"
FOOTER = "本邮件由报表系统自动发送，请勿直接回复。"
MISSING = "—"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_UNSAFE_IN_FILE_NAME = re.compile(r'[\\/:*?"<>|]+')
_ENCODED_WORD_BYTES = 42  # UTF-8 bytes per RFC 2047 word: 68 characters, a header line stays < 78


@dataclass(frozen=True)
class Change:
    """One figure that differs between the delivered version and the correction."""

    item: str
    old: str
    new: str


@dataclass(frozen=True)
class Mail:
    """What the email says about a report, besides its version and changes."""

    title: str  # the PDF's title: 月计划达成检查表, 周计划达成检查表, 支行客户经理考核汇总表
    about: str  # whom it concerns: the manager's name, or the branch's name
    period_label: str  # the period as people write it: 2026年9月, 2026年9月7日至13日
    headline: tuple[str, ...] = field(default=())  # lines shown before the attachment; a digest's whole text
    html: str = ""  # a digest's HTML body (its sections); empty for a report, whose content is its PDF


def diff_figures(old: dict[str, str], new: dict[str, str]) -> list[Change]:
    """Items whose value differs, in the new report's order, then items the new report dropped."""
    changes = [Change(k, old.get(k, MISSING), v) for k, v in new.items() if old.get(k) != v]
    changes += [Change(k, v, MISSING) for k, v in old.items() if k not in new]
    return changes


def one_line(text: str) -> str:
    """Control characters (CR, LF, tab…) become one space: nothing can start a new header line."""
    return " ".join(_CONTROL.sub(" ", text).split())


def file_name_part(text: str) -> str:
    """A piece of a file name: path separators and characters Windows refuses become _, and no
    leading dots (so `../x` cannot point anywhere)."""
    return _UNSAFE_IN_FILE_NAME.sub("_", one_line(text)).lstrip(". ")[:60] or "_"


def subject_for(mail: Mail, version: int) -> str:
    mark = CORRECTION_MARK if version > 1 else ""
    edition = f"（第{version}版）" if version > 1 else ""
    return one_line(f"{mark}{mail.title} {mail.period_label} {mail.about}{edition}")


def attachment_name(mail: Mail, version: int) -> str:
    """月计划达成检查表_2026年9月_张三_v1.pdf: the PDF's title, the period, whom it concerns."""
    parts = (mail.title, mail.period_label, mail.about, f"v{version}")
    return "_".join(file_name_part(p) for p in parts) + ".pdf"


def body_for(
    mail: Mail, recipient_name: str, version: int, changes: list[Change], filename: str, password_note: str = ""
) -> str:
    whose = "您" if mail.about == recipient_name else one_line(mail.about)
    report = f"{whose}{mail.period_label}的{mail.title}"
    lines = [_greeting(recipient_name), ""]
    if version == 1:
        lines.append(f"{report}已生成，要点如下：")
    else:
        lines.append(f"{report}已更正，本邮件附上第 {version} 版，请以本版为准，此前收到的版本作废。")
        lines += ["", "更正后的要点："]
    lines += [f"  {line}" for line in mail.headline] or ["  （详见附件）"]
    if version > 1:
        lines += ["", "与此前收到的版本相比，以下数字有变化："]
        if changes:
            lines += [f"  · {c.item}：由 {c.old} 改为 {c.new}" for c in changes]
        else:
            lines.append("  （数字未变，更正的是报表中的其他内容。）")
    lines += ["", f"附件：{filename}"]
    if password_note:  # the attachment is encrypted: how its password is obtained, in the bank's words
        lines.append(one_line(password_note))
    lines += ["", FOOTER]
    return "\n".join(lines) + "\n"


def digest_text_for(mail: Mail, recipient_name: str, version: int, changes: list[Change]) -> str:
    """A digest's plain-text body: greeting, the correction notice of a version 2 or later, the
    digest's own lines, the footer."""
    lines = [_greeting(recipient_name), ""]
    notice = _digest_correction(mail, version, changes)
    if notice:
        lines += [*notice, ""]
    lines += [*mail.headline, "", FOOTER]
    return "\n".join(lines) + "\n"


def digest_html_for(mail: Mail, recipient_name: str, version: int, changes: list[Change]) -> str:
    """The same as digest_text_for in HTML: the digest's sections are mail.html, already escaped."""
    notice = _digest_correction(mail, version, changes)
    box = 'style="border:1px solid #d99;background:#fff4f4;padding:8px;margin:0 0 12px 0"'
    notice_html = (
        f"<div {box}>" + "<br>".join(html.escape(x.strip()) for x in notice) + "</div>" if notice else ""
    )
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{html.escape(subject_for(mail, version))}</title></head>\n"
        '<body style="font-family:\'Microsoft YaHei\',\'PingFang SC\',\'WenQuanYi Micro Hei\',sans-serif;'
        'font-size:14px;color:#222;line-height:1.5">\n'
        f"<p>{html.escape(_greeting(recipient_name))}</p>\n{notice_html}\n{mail.html}\n"
        f'<p style="color:#888;font-size:12px;margin-top:18px">{FOOTER}</p>\n</body></html>\n'
    )


def _greeting(recipient_name: str) -> str:
    name = one_line(recipient_name)
    return f"{name} 您好：" if name else "您好："


def _digest_correction(mail: Mail, version: int, changes: list[Change]) -> list[str]:
    if version == 1:
        return []
    lines = [f"本邮件更正此前发送的{mail.period_label}{mail.title}（第 {version} 版），请以本版为准。"]
    if changes:
        lines += [f"  · {c.item}：由 {c.old} 改为 {c.new}" for c in changes]
    else:
        lines.append("  （条数未变，更正的是提醒中的内容。）")
    return lines


def build_message(
    *,
    sender: str,
    recipient_email: str,
    recipient_name: str,
    version: int,
    mail: Mail,
    pdf: bytes | None,
    changes: list[Change],
    message_id: str,
    timezone: str,
    password_note: str = "",
) -> EmailMessage:
    """The complete email for one report version with the PDF's bytes attached (encrypted ones
    with `password_note`, the bank's sentence on how to obtain the password, in the body); for a
    digest (no PDF) an HTML body with its plain-text alternative.

    Raises ValueError when the address itself cannot be put in a header."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = Address(display_name=one_line(recipient_name), addr_spec=recipient_email)
    msg["Subject"] = subject_for(mail, version)
    msg["Date"] = format_datetime(dt.datetime.now(ZoneInfo(timezone)).replace(microsecond=0))
    msg["Message-ID"] = message_id
    if pdf is None:
        msg.set_content(digest_text_for(mail, recipient_name, version, changes), charset="utf-8", cte="base64")
        msg.add_alternative(
            digest_html_for(mail, recipient_name, version, changes), subtype="html", charset="utf-8", cte="base64"
        )
        return msg
    filename = attachment_name(mail, version)
    body = body_for(mail, recipient_name, version, changes, filename, password_note)
    msg.set_content(body, charset="utf-8", cte="base64")
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)
    _name_on_content_type(msg, filename)
    return msg


def _name_on_content_type(msg: EmailMessage, filename: str) -> None:
    """Content-Type: application/pdf; name="=?utf-8?b?…?= …": stored raw (set_raw), because the
    library would write RFC 2231 again; folded so that no line is long enough to be refolded."""
    (part,) = [p for p in msg.iter_attachments() if p.get_filename() == filename]
    words, chunk = [], b""
    for ch in filename:
        b = ch.encode("utf-8")
        if len(chunk) + len(b) > _ENCODED_WORD_BYTES:
            words.append(chunk)
            chunk = b""
        chunk += b
    words.append(chunk)
    encoded = [f"=?utf-8?b?{base64.b64encode(w).decode('ascii')}?=" for w in words]
    del part["Content-Type"]
    part.set_raw("Content-Type", 'application/pdf;\n name="' + "\n ".join(encoded) + '"')
