"""How csikit serve sizes and starts the participant server (no server is started here)."""

from __future__ import annotations

import pytest

from csikit.serve import KERNEL_MB, capacity, participant_command, pool_refill_delay, pool_size


@pytest.mark.parametrize(("expected", "pool"), [(1, 3), (4, 6), (30, 33), (100, 110), (300, 330)])
def test_pool_holds_everyone_expected_plus_a_margin(expected, pool):
    assert pool_size(expected) == pool


@pytest.mark.parametrize(("expected", "delay"), [(1, 1.0), (4, 1.2), (30, 9.0), (100, 30.0), (300, 60.0), (5000, 60.0)])
def test_refill_waits_for_a_burst_of_the_expected_size(expected, delay):
    """100 arrivals with Voila's 1 s refill waited ≈ 51 s each, ≈ 2 s with 30 s (benchmarks/join_time.py)."""
    assert pool_refill_delay(expected) == delay


def test_participant_command_preheats_and_delays_the_refill(tmp_path):
    cmd = participant_command(8866, "0.0.0.0", tmp_path / "cfg", expected=100, preheat=True, cull=[])
    assert "--preheat_kernel=True" in cmd and "--pool_size=110" in cmd
    assert "--VoilaKernelManager.fill_delay=30.0" in cmd
    assert "--KernelManager.transport=ipc" in cmd
    cold = participant_command(8866, "0.0.0.0", tmp_path / "cfg2", expected=100, preheat=False, cull=[])
    assert not [a for a in cold if "preheat" in a or "pool_size" in a or "fill_delay" in a]


def test_capacity_leaves_two_gib_for_the_rest():
    assert capacity(24 * 1024) == (24 * 1024 - 2048) // KERNEL_MB
    assert capacity(1024) == 0
