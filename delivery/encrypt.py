"""Mailed copies locked with AES-256 under each recipient's own password ([encryption] settings).

The password of a recipient comes from the passwords file the settings name (CSV with the columns
recipient_id,password; readable by its owner only; never inside the installation, so never in
the repository) or, when no file is named, from the environment variable <password_env_prefix>
<recipient id>. A password is never written to the ledger or a log: messages name the recipient
and where the password was looked for. The archive keeps the unencrypted PDF/A copy; only the
bytes attached to the email are encrypted (PDF 2.0 security handler, revision 6, AES-256), with a
random owner password that nobody keeps, so no one can lift the restrictions: printing and
copying text are allowed, changing the document is not.
"""

from __future__ import annotations

import csv
import io
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from core.settings import PROJECT_ROOT, Encryption


class PasswordSourceError(ValueError):
    """The passwords file cannot be used (missing, readable by others, inside the installation, malformed)."""


class NoPassword(LookupError):
    """No password for this recipient where the settings say to look."""


class Passwords:
    """Each recipient's password, from the file or the environment the settings name."""

    def __init__(self, conf: Encryption, environ: Mapping[str, str] | None = None) -> None:
        self.conf = conf
        self.environ = os.environ if environ is None else environ
        self.from_file = _read_file(Path(conf.passwords_file).expanduser()) if conf.passwords_file else None

    def of(self, recipient_id: str) -> str:
        if self.from_file is not None:
            password = self.from_file.get(recipient_id, "")
            where = f"in {self.conf.passwords_file}"
        else:
            password = self.environ.get(self.conf.password_env_prefix + recipient_id, "")
            where = f"in the environment ({self.conf.password_env_prefix}{recipient_id} is not set)"
        if not password:
            raise NoPassword(f"not sent: no PDF password for {recipient_id} {where}")
        return password


def _read_file(path: Path) -> dict[str, str]:
    if not path.is_file():
        raise PasswordSourceError(f"[encryption] passwords_file {path} does not exist")
    if path.resolve().is_relative_to(PROJECT_ROOT):
        raise PasswordSourceError(
            f"[encryption] passwords_file {path} lies inside the installation ({PROJECT_ROOT}): "
            "keep it outside, e.g. /etc/cmreport/"
        )
    if path.stat().st_mode & 0o077:
        raise PasswordSourceError(f"[encryption] passwords_file {path} is readable by others: chmod 600 {path}")
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    if not rows or [c.strip() for c in rows[0]] != ["recipient_id", "password"]:
        raise PasswordSourceError(f"{path}: line 1 must be the header recipient_id,password")
    out = {}
    for line, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != 2 or not row[0].strip() or not row[1]:
            raise PasswordSourceError(f"{path}: line {line}: expected recipient_id,password")
        out[row[0].strip()] = row[1]
    return out


def encrypt_pdf(pdf: bytes, password: str) -> bytes:
    """The PDF encrypted with AES-256 (R6): opens with `password` only."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        out = io.BytesIO()
        doc.save(
            out,
            encryption=pikepdf.Encryption(
                owner=secrets.token_urlsafe(32),
                user=password,
                R=6,
                aes=True,
                allow=pikepdf.Permissions(
                    modify_annotation=False, modify_assembly=False, modify_form=False, modify_other=False
                ),
            ),
        )
    return out.getvalue()
