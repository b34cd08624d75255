"""A preheated kernel pool that fills in the background, a few kernels at a time.

Voila 0.5.13 starts every kernel of its pool at once when the server starts: 330
kernels on 2 cores starved its event loop for minutes, so the server answered
nothing (not even its readiness check) until they had all run the notebook. Here
the participant server's kernel manager is Voila's own ``VoilaKernelManager`` with
one change: at most ``concurrency`` pool kernels start and run the notebook at a
time. The pool is still Voila's list of tasks, filled and popped by Voila (a page
request takes the oldest, warm one, exactly as before; refills still wait
``fill_delay``), so the server answers at once and the pool grows steadily. Refills
start only when fewer than ``low_water`` spare kernels are left, so a room that arrives
as expected does not also pay for starting its own replacements.

The server also publishes how warm its pool is: a small JSON file
``{"warm": n, "target": m, "updated": t}`` written atomically every second it
changes (and every few seconds anyway); ``csikit.serve.pool_status`` reads it.

Installed by the participant server's private ``voila.py`` (``csikit.serve``
writes it): ``install(...)`` makes ``voila.app`` build this subclass.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

#: Seconds between two status writes when nothing changed (readers treat 30 s old as unknown).
HEARTBEAT_S = 5.0
#: A pool kernel gives back its start slot when its notebook has run, or after this long
#: (a notebook that waits for its request never finishes while it sits in the pool).
SLOT_TIMEOUT_S = 60.0
#: The pool stops growing while the machine has less memory available than this (MiB):
#: a pool larger than the memory would otherwise end with the kernel's OOM killer.
MIN_AVAILABLE_MB = 1536
MEMORY_POLL_S = 5.0


def available_mb() -> float | None:
    """MemAvailable of this machine in MiB (Linux), or None when unknown."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def write_status(path: str | Path, warm: int, target: int) -> None:
    """Write the pool status file atomically (a reader never sees half a file)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"warm": warm, "target": target, "updated": time.time()}))
    os.replace(tmp, path)


class PacedPool:
    """Mixed in before Voila's ``VoilaKernelManager``: bounded, background pool filling."""

    status_file: str = ""
    concurrency: int = 2
    low_water: int = 0  # refill only when fewer spare kernels than this are left (0: after every take, as Voila)

    def __init__(self, **kwargs):
        self._slots = asyncio.Semaphore(max(1, self.concurrency))
        self._starting: set[asyncio.Task] = set()
        self._closing = False
        self._started_at = time.monotonic()
        super().__init__(**kwargs)  # Voila queues the whole pool here; nothing runs until the loop starts
        try:
            loop = asyncio.get_event_loop()
        except RuntimeError:  # pragma: no cover - Voila creates the loop first
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
        self._publisher = loop.create_task(self._publish_status())

    async def _initialize(self, notebook_path: str, kernel_id: str | None = None, **kwargs):
        if kernel_id is not None:  # a restart of a known kernel, not a pool fill
            return await super()._initialize(notebook_path, kernel_id, **kwargs)
        await self._slots.acquire()
        try:
            await self._wait_for_memory()
        except BaseException:
            self._slots.release()
            raise
        me = asyncio.current_task()
        released = False

        def release(*_args) -> None:
            nonlocal released
            if not released:
                released = True
                self._slots.release()

        self._starting.add(me)
        try:
            content = await super()._initialize(notebook_path, None, **kwargs)
        except BaseException:
            release()
            raise
        finally:
            self._starting.discard(me)
        # The slot is held until the notebook has run (or its page took it early: Voila then
        # stops the pre-render after the current cell), so only a few kernels work at once.
        content["task"].add_done_callback(release)
        asyncio.get_event_loop().call_later(SLOT_TIMEOUT_S, release)
        return content

    def fill_if_needed(self, delay=None, notebook_name=None, **kwargs):
        """Voila's refill, skipped while the pool still holds ``low_water`` spare kernels."""
        if self.low_water and len(self._pools.get(notebook_name, ())) >= self.low_water:
            return None
        return super().fill_if_needed(delay=delay, notebook_name=notebook_name, **kwargs)

    async def _wait_for_memory(self) -> None:
        warned = False
        while (free := available_mb()) is not None and free < MIN_AVAILABLE_MB and not self._closing:
            if not warned:
                warm, target = self.pool_warmth()
                self.log.warning("csikit: preheated pool paused at %d/%d warm: only %.0f MB of memory left",
                                 warm, target, free)
                warned = True
            await asyncio.sleep(MEMORY_POLL_S)

    def pool_warmth(self) -> tuple[int, int]:
        """(kernels in the pool whose notebook has run, the pool's configured size), over all notebooks."""
        warm = target = 0
        default = self.kernel_pools_config.get("default", {})
        for name, pool in self._pools.items():
            target += int(self.kernel_pools_config.get(name, default).get("pool_size", default.get("pool_size", 1)))
            for task in pool:
                if task.done() and not task.cancelled() and task.exception() is None:
                    content = task.result()
                    if content["task"].done():
                        warm += 1
        return warm, target

    async def _publish_status(self) -> None:
        last, last_t, full_logged = None, 0.0, False
        while not self._closing:
            try:
                status = self.pool_warmth()
                now = time.monotonic()
                if self.status_file and (status != last or now - last_t >= HEARTBEAT_S):
                    write_status(self.status_file, *status)
                    last, last_t = status, now
                warm, target = status
                if target and warm >= target and not full_logged:
                    self.log.info("csikit: preheated pool warm: %d/%d kernels, %.0f s after start",
                                  warm, target, now - self._started_at)
                    full_logged = True
            except Exception:  # noqa: BLE001 - a status write must never stop the server
                self.log.warning("csikit: could not publish the pool status", exc_info=True)
            await asyncio.sleep(1.0)

    async def shutdown_all(self, *args, **kwargs):
        """Drop the kernels not started yet (Voila would start each one only to shut it down)."""
        self._closing = True
        self._publisher.cancel()
        for pool in self._pools.values():
            waiting = [t for t in pool if not t.done() and t not in self._starting]
            for task in waiting:
                task.cancel()
                pool.remove(task)
        if self.status_file:
            Path(self.status_file).unlink(missing_ok=True)
        return await super().shutdown_all(*args, **kwargs)


def install(status_file: str = "", concurrency: int = 2, low_water: int = 0) -> None:
    """Make ``voila.app`` build a :class:`PacedPool` kernel manager (called by the private voila.py)."""
    import voila.app

    original = voila.app.voila_kernel_manager_factory
    original = getattr(original, "__wrapped__", original)

    def factory(base_class, preheat_kernel, default_pool_size, page_config_hook=None):
        cls = original(base_class, preheat_kernel, default_pool_size, page_config_hook=page_config_hook)
        if not preheat_kernel:
            return cls
        settings = {"status_file": str(status_file), "concurrency": int(concurrency), "low_water": int(low_water),
                    "__module__": __name__}
        return type("PacedVoilaKernelManager", (PacedPool, cls), settings)

    factory.__wrapped__ = original
    voila.app.voila_kernel_manager_factory = factory
