"""The client's address, the one answer that the sign-in limits, the audit log, the sessions list and the API throttle
all use (settings.TRUSTED_PROXY_COUNT, trustedcloud/settings/security.py).

X-Forwarded-For is written by whoever sends the request: a client can put anything in it, and every proxy on the way
appends the address it saw. Only the entries our own proxies appended prove anything, so with N proxies of ours the
client is the entry N places from the end; what stands further left was written by the client. With no proxy
declared (the default) the header is ignored and REMOTE_ADDR, the peer of the TCP connection, is the client.
"""

import ipaddress

from django.conf import settings

# IPv6 clients get a /64 each from their provider: counting per single address would give one person 2^64 of them.
IPV6_LIMIT_PREFIX = 64


def _valid(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """REMOTE_ADDR, unless TRUSTED_PROXY_COUNT proxies of ours stand in front of the site (then the address the first
    of them appended to X-Forwarded-For) or TRUSTED_CLIENT_IP_HEADER names a header our proxy sets (and overwrites).
    A request whose header does not fit (fewer entries than proxies: it came around them; not an address) falls back
    to REMOTE_ADDR, which is then one of our proxies: its clients share a limit rather than escape it. None only when
    there is no address at all."""
    header = settings.TRUSTED_CLIENT_IP_HEADER
    if header:
        ip = _valid(request.headers.get(header))
    else:
        ip = None
        count = settings.TRUSTED_PROXY_COUNT
        forwarded = request.headers.get("X-Forwarded-For")
        if count > 0 and forwarded:
            entries = forwarded.split(",")
            if len(entries) >= count:
                ip = _valid(entries[-count])
    return ip or _valid(request.META.get("REMOTE_ADDR"))


def limit_key(ip: str) -> str:
    """The address as rate limits count it: an IPv4 address itself, an IPv6 address its /64 network."""
    address = ipaddress.ip_address(ip)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/{IPV6_LIMIT_PREFIX}", strict=False).network_address)
    return str(address)
