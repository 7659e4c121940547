"""STARTTLS and login against an aiosmtpd server that requires them (self-signed cert trusted via SSL_CERT_FILE)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from delivery.deliver import deliver
from delivery.server import embedded_smtp
from tests.delivery.kit import make_settings, received

PASSWORD = "tls-only-Secret-42"


@pytest.fixture
def server_tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))  # the client trusts this server, verifying it
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert_file, key_file)
    return ctx


def test_starttls_and_login_when_configured(tmp_path, make_item, server_tls, monkeypatch):
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password, session.ssl is not None))
        return AuthResult(success=auth_data.password == PASSWORD.encode())

    monkeypatch.setenv("CMREPORT_SMTP_PASSWORD", PASSWORD)
    outbox = tmp_path / "outbox"
    options = dict(tls_context=server_tls, require_starttls=True, authenticator=authenticator)
    with embedded_smtp(outbox, **options) as (_, port):
        plain = make_settings(tmp_path, port)
        refused = deliver([make_item("M001"), make_item("M002")], plain, "run-1")  # no STARTTLS
        assert received(outbox) == [] and refused.counts["queued"] == 2
        # refused at MAIL FROM: a session problem, so nobody is marked failed
        assert all("530" in o.smtp_response for o in refused.queued) and refused.counts["failed"] == 0
        tls = make_settings(tmp_path, port, CMREPORT_SMTP__USERNAME="reports", CMREPORT_SMTP__STARTTLS="true")
        summary = deliver([], tls, "run-2")

    assert summary.counts["sent"] == 2
    assert sorted(m["To"].addresses[0].addr_spec for m in received(outbox)) == [
        "m001@bank.example",
        "m002@bank.example",
    ]
    assert logins == [(b"reports", PASSWORD.encode(), True)]  # logged in once, inside TLS
