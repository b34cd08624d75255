"""The address phones in the room can reach: this machine's LAN address, read from its interfaces.

The host name is no guide: Debian and Ubuntu map it to 127.0.1.1 in ``/etc/hosts`` (and
many machines map it to 127.0.0.1), so a link built from it is loopback and no phone
can open it. Instead the interfaces' addresses are read (psutil, no traffic sent) and
the best one is chosen:

1. an interface that is up and not loopback; link-local (169.254/16) and addresses of
   virtual bridges and tunnels (docker, libvirt, VirtualBox, VPNs) are skipped: phones
   on the room's Wi-Fi never reach those;
2. among the rest, the interface of the default route first (Linux: ``/proc/net/route``),
   then private LAN ranges (10/8, 172.16/12, 192.168/16), then anything else.

When nothing but loopback is left, :func:`loopback_warning` says so and how to fix it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import urlsplit

LOOPBACK = "127.0.0.1"
#: Interface name prefixes of virtual bridges, containers and tunnels: not the room's network.
VIRTUAL = (
    "docker",
    "br-",
    "veth",
    "virbr",
    "vmnet",
    "vboxnet",
    "lxc",
    "lxd",
    "cni",
    "flannel",
    "podman",
    "tun",
    "tap",
    "wg",
    "tailscale",
    "zt",
    "utun",
    "ham",
    "ifb",
    "dummy",
    "kube",
)


def choose_address(
    addresses: Mapping[str, Iterable[str]], up: Iterable[str] = (), default_interface: str | None = None
) -> str | None:
    """The IPv4 address phones on the LAN most likely reach, or None when there is none.

    Parameters
    ----------
    addresses
        Interface name → its IPv4 addresses.
    up
        Names of the interfaces that are up (empty: all are taken as up).
    default_interface
        The interface of the default route, if known.
    """
    up = set(up)
    best: tuple[int, str] | None = None
    for name, found in addresses.items():
        if (up and name not in up) or name.lower().startswith(VIRTUAL) or name.startswith("lo"):
            continue
        for text in found:
            try:
                ip = ipaddress.IPv4Address(text)
            except ValueError:
                continue
            if ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast:
                continue
            rank = 0 if name == default_interface else 1 if ip.is_private else 2
            if best is None or rank < best[0]:
                best = (rank, str(ip))
    return best[1] if best else None


def default_route_interface(route_table: Path = Path("/proc/net/route")) -> str | None:
    """The interface of the IPv4 default route (Linux), or None where that cannot be read."""
    try:
        lines = route_table.read_text().splitlines()[1:]
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        if len(fields) > 2 and fields[1] == "00000000":
            return fields[0]
    return None


def lan_address() -> str:
    """This machine's address other devices on the LAN can reach, or 127.0.0.1 when it has none."""
    import socket

    import psutil

    try:
        interfaces = psutil.net_if_addrs()
        stats = psutil.net_if_stats()
    except (OSError, RuntimeError):
        return LOOPBACK
    addresses = {name: [a.address for a in found if a.family == socket.AF_INET] for name, found in interfaces.items()}
    up = [name for name, s in stats.items() if s.isup]
    return choose_address(addresses, up, default_route_interface()) or LOOPBACK


def is_loopback_url(url: str) -> bool:
    """Whether a link points at this machine only (127.x, localhost, ::1): phones cannot open it."""
    host = (urlsplit(url).hostname or "").lower()
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def loopback_warning(url: str) -> str | None:
    """What to tell the facilitator when the participants' link is loopback, else None."""
    if not is_loopback_url(url):
        return None
    return (
        f"Phones cannot open {url}: it points at this machine only, which has no other network address. "
        "Connect it to the room's Wi-Fi (or start a hotspot) and start again, or give the address phones "
        "reach with --host ADDRESS (e.g. --host 192.168.1.20), or the whole link with --join-url URL."
    )
