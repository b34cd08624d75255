"""The participants' link: an address phones can reach, found from the interfaces; a loud warning otherwise."""

from __future__ import annotations

import socket
from types import SimpleNamespace

import pytest

from csikit import lan
from csikit.widgets.console_panels import JoinPanel


def test_a_debian_laptop_gets_its_wifi_address_not_the_host_names_loopback():
    # /etc/hosts maps the host name to 127.0.1.1; the interfaces know better.
    addresses = {"lo": ["127.0.0.1"], "wlp2s0": ["192.168.1.20"]}
    assert lan.choose_address(addresses, ["lo", "wlp2s0"]) == "192.168.1.20"


def test_virtual_bridges_link_local_and_down_interfaces_are_skipped():
    addresses = {
        "docker0": ["172.17.0.1"],
        "virbr0": ["192.168.122.1"],
        "eth0": ["169.254.3.4"],
        "enp0s31f6": ["10.1.2.3"],
        "wlan0": ["192.168.0.7"],
    }
    assert lan.choose_address(addresses, ["docker0", "virbr0", "eth0", "wlan0"]) == "192.168.0.7"


def test_the_default_routes_interface_wins_over_other_lan_addresses():
    addresses = {"eth0": ["10.0.0.5"], "wlan0": ["192.168.0.7"]}
    assert lan.choose_address(addresses, [], default_interface="wlan0") == "192.168.0.7"
    assert lan.choose_address(addresses, [], default_interface="eth0") == "10.0.0.5"


def test_a_private_address_wins_over_a_public_one_without_a_default_route():
    assert lan.choose_address({"eth1": ["81.2.69.160"], "eth0": ["172.20.1.2"]}) == "172.20.1.2"


def test_only_loopback_means_no_address():
    assert lan.choose_address({"lo": ["127.0.0.1", "127.0.1.1"]}, ["lo"]) is None
    assert lan.choose_address({}) is None


def test_the_default_route_is_read_from_the_kernels_table(tmp_path):
    table = tmp_path / "route"
    table.write_text(
        "Iface\tDestination\tGateway\tFlags\nwlan0\t0001A8C0\t00000000\t0001\nwlan0\t00000000\t0101A8C0\t0003\n"
    )
    assert lan.default_route_interface(table) == "wlan0"
    assert lan.default_route_interface(tmp_path / "missing") is None


def _fake_psutil(monkeypatch, interfaces: dict[str, list[str]], up: list[str]):
    fake = SimpleNamespace(
        net_if_addrs=lambda: {
            n: [SimpleNamespace(family=socket.AF_INET, address=a) for a in found] for n, found in interfaces.items()
        },
        net_if_stats=lambda: {n: SimpleNamespace(isup=n in up) for n in interfaces},
    )
    monkeypatch.setitem(__import__("sys").modules, "psutil", fake)
    monkeypatch.setattr(lan, "default_route_interface", lambda: None)


def test_lan_address_reads_the_interfaces_through_psutil(monkeypatch):
    _fake_psutil(monkeypatch, {"lo": ["127.0.0.1"], "eth0": ["192.168.5.9"]}, ["lo", "eth0"])
    assert lan.lan_address() == "192.168.5.9"


def test_lan_address_falls_back_to_loopback_and_the_link_is_flagged(monkeypatch):
    _fake_psutil(monkeypatch, {"lo": ["127.0.0.1"], "eth0": ["192.168.5.9"]}, ["lo"])  # Wi-Fi off
    assert lan.lan_address() == "127.0.0.1"
    warning = lan.loopback_warning("http://127.0.0.1:8866/?code=DESK26")
    assert warning and "--host" in warning and "--join-url" in warning


def test_the_serve_module_builds_the_link_from_the_interfaces():
    from csikit import serve

    assert serve.lan_address is lan.lan_address


@pytest.mark.parametrize(
    "url, loopback",
    [
        ("http://127.0.0.1:8866/?code=X", True),
        ("http://127.0.1.1:8866/", True),
        ("http://localhost:8866/", True),
        ("http://[::1]:8866/", True),
        ("http://192.168.1.20:8866/?code=X", False),
        ("http://10.0.0.1:8080/", False),
        ("http://workshop.example.org/", False),
    ],
)
def test_which_links_phones_cannot_open(url, loopback):
    assert lan.is_loopback_url(url) is loopback
    assert (lan.loopback_warning(url) is not None) is loopback


def test_the_console_join_panel_warns_above_a_loopback_qr_code():
    panel = JoinPanel("http://127.0.1.1:8866/?code=DESK26", presenter_url="/?view=presenter")
    alerts = [c for c in panel.children if "csikit-loopback" in getattr(c, "value", "")]
    assert len(alerts) == 1 and "Phones cannot open" in alerts[0].value
    fine = JoinPanel("http://192.168.1.20:8866/?code=DESK26", presenter_url="/?view=presenter")
    assert not [c for c in fine.children if "csikit-loopback" in getattr(c, "value", "")]
