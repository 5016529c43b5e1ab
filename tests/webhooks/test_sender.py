"""Address rules and signatures: pure functions, no database, no network."""

from __future__ import annotations

import pytest

from webhooks import events, sender


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("fe80::1%eth0", "link-local"),
        ("fd00::1", "private"),
        ("100.64.0.1", "reserved"),  # carrier-grade NAT
        ("0.0.0.0", "unspecified"),  # noqa: S104
        ("224.0.0.1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("2002:7f00:1::", "loopback"),  # 6to4 around 127.0.0.1
        ("64:ff9b::a00:1", "private"),  # NAT64 around 10.0.0.1
    ],
)
def test_non_public_addresses_are_refused(address, kind):
    problem = sender.address_problem(address)
    assert problem is not None
    assert f"not a public address ({kind})" in problem


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"])
def test_public_addresses_are_allowed(address):
    assert sender.address_problem(address) is None


def test_the_allow_list_opens_only_what_it_names():
    allowed = sender.parse_networks(["127.0.0.1", "10.20.0.0/16"])
    assert sender.address_problem("127.0.0.1", allowed) is None
    assert sender.address_problem("10.20.3.4", allowed) is None
    assert sender.address_problem("127.0.0.2", allowed) is not None
    assert sender.address_problem("10.21.0.1", allowed) is not None


def test_bad_allow_list_entries_are_refused():
    with pytest.raises(ValueError):
        sender.parse_networks(["10.0.0.0/33"])


def test_signature_verifies_only_the_same_secret_timestamp_and_body():
    body = events.encode_body({"id": "x", "type": "ping", "data": {"é": 1}})
    signature = events.sign("s3cret", 1_700_000_000, body)
    assert signature.startswith("sha256=")
    assert events.verify("s3cret", "1700000000", body, signature)
    assert not events.verify("other", "1700000000", body, signature)
    assert not events.verify("s3cret", "1700000001", body, signature)
    assert not events.verify("s3cret", "1700000000", body + b" ", signature)
    assert not events.verify("s3cret", "not a number", body, signature)


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/", "file:///etc/passwd", "https://user:pw@example.com/", "http:///x"],
)
def test_other_schemes_and_credentials_are_refused_without_a_connection(url, monkeypatch):
    monkeypatch.setattr(sender.socket, "create_connection", _no_connection)
    result = sender.send(url, b"{}", {}, resolver=_no_resolver)
    assert result.refused
    assert result.status_code is None


def _no_connection(*args, **kwargs):
    raise AssertionError("a connection was attempted")


def _no_resolver(host, port):
    raise AssertionError("a name was resolved")
