"""Many processes voting at once on one store: the code shared by
``tests/store/test_concurrency.py`` and ``benchmarks/store_concurrency.py``.

A dot vote (budget 5, at most 3 on one item, 8 items) is opened in a fresh
workshop. Every writer process opens its own :class:`csikit.store.Store` from the
URL (never an engine inherited across fork), waits for a common start signal and
then submits single-item dot changes chosen by a seeded random generator, recording
for each call whether the store accepted it (and the participant's full allocation
it returned) or refused it. Pairs of processes share one participant, so races on
the same participant's budget are exercised too.

:func:`check` then reads the store and verifies:

- per participant, the stored total is within the budget and each item within the cap;
- no (participant, item, criterion) is stored twice;
- for a participant used by one process, the stored allocation equals what that
  process's last accepted call returned;
- for a participant shared by several processes, the calls of all of them can be
  put in one order (keeping each process's own order) in which every accepted call
  returned exactly its change applied to the allocation before it, every refused
  call really broke the budget or the cap, and the end result is what is stored.
  So every accepted response is stored exactly once and nothing accepted is lost;
- with a facilitator lock during the run: no response is stored with ``updated_at``
  after the lock event, and a process never has a call accepted after one refused
  as closed.
"""

from __future__ import annotations

import multiprocessing as mp
import random
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

ACTIVITY = "dots"
BUDGET = 5
CAP = 3
ITEMS = 8

ACCEPTED, BUDGET_REFUSED, CLOSED, ERROR = "accepted", "budget", "closed", "error"


@dataclass(frozen=True)
class Call:
    """One respond() call as the writer saw it."""

    process: int
    index: int
    participant: int
    item: str
    value: int
    outcome: str  # accepted, budget, closed or error
    result: tuple[tuple[str, int], ...] | None  # the full allocation returned, if accepted
    error: str = ""


@dataclass
class Plan:
    url: str
    code: str
    processes: int
    responses: int
    seed: int
    participants: list[int | None]  # participant id of each process; None: it joins itself


@dataclass
class Report:
    backend: str
    processes: int
    attempted: int
    accepted: int
    refused: int
    closed: int
    errors: int
    lost: int
    seconds: float
    lock_at: object = None
    lock_seconds: float | None = None
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lock = ""
        if self.lock_at is not None:
            lock = f" closed={self.closed} (locked mid-run; the lock took {self.lock_seconds:.3f} s)"
        return (
            f"store concurrency [{self.backend}]: processes={self.processes} "
            f"responses attempted={self.attempted} accepted={self.accepted} refused={self.refused}"
            f"{lock} errors={self.errors} lost={self.lost} seconds={self.seconds:.2f}"
        )


def workshop(code: str):
    from csikit.model import Activity, ActivityKind, Item, Step, Workshop

    items = tuple(Item(f"i{n}", f"Improvement {n}") for n in range(1, ITEMS + 1))
    vote = Activity(
        ACTIVITY,
        Step.TARGET,
        ActivityKind.DOT_VOTE,
        "Where do the dots go?",
        items=items,
        budget=BUDGET,
        per_item_cap=CAP,
    )
    return Workshop(code, "Concurrency test", "Load Ltd", agenda=(vote,))


def prepare(url: str, processes: int, responses: int, *, seed: int = 0, share: bool = True) -> Plan:
    """Create a fresh workshop in the store and open the vote.

    With ``share``, the first half of the processes (rounded down to even) work in
    pairs, each pair as one participant joined here; every other process joins as
    its own participant when it starts (so joins race too).
    """
    from csikit.store import Store

    code = f"LOAD{secrets.randbelow(10**8):08d}"
    store = Store(url)
    try:
        store.sync_workshop(workshop(code))
        store.open_activity(code, ACTIVITY)
        paired = (processes // 2) & ~1 if share else 0
        ids: list[int | None] = []
        for p in range(processes):
            if p >= paired:
                ids.append(None)
            elif p % 2 == 1:
                ids.append(ids[-1])
            else:
                ids.append(store.join(code, f"Pair {p // 2}").id)
    finally:
        store.close()
    return Plan(url, code, processes, responses, seed, ids)


def _choices(seed: int, process: int, responses: int) -> list[tuple[str, int]]:
    rng = random.Random(seed * 100_003 + process)
    out = []
    for _ in range(responses):
        item = f"i{rng.randint(1, ITEMS)}"
        value = CAP + 1 if rng.random() < 0.08 else rng.randint(0, CAP)
        out.append((item, value))
    return out


def writer(plan: Plan, process: int, ready, go, progress, results) -> None:
    """One writer process: open a store, wait for the signal, submit, report."""
    from csikit.errors import ActivityClosed, BudgetExceeded, CsiError
    from csikit.store import Store

    calls: list[Call] = []
    pid = plan.participants[process]
    try:
        store = Store(plan.url)
        if pid is None:
            pid = store.join(plan.code, f"Writer {process}").id
        store.status(plan.code, ACTIVITY)  # warm the connection and the definition cache
    except Exception as exc:  # noqa: BLE001 - reported, the parent fails the run
        results.put((process, [Call(process, -1, pid, "", 0, ERROR, None, repr(exc))]))
        with ready.get_lock():
            ready.value += 1
        return
    with ready.get_lock():
        ready.value += 1
    go.wait()
    for index, (item, value) in enumerate(_choices(plan.seed, process, plan.responses)):
        try:
            merged = store.respond(plan.code, pid, ACTIVITY, {item: value})
            result = tuple(sorted((k[0], v) for k, v in merged.items()))
            calls.append(Call(process, index, pid, item, value, ACCEPTED, result))
        except ActivityClosed as exc:
            calls.append(Call(process, index, pid, item, value, CLOSED, None, str(exc)))
        except BudgetExceeded as exc:
            calls.append(Call(process, index, pid, item, value, BUDGET_REFUSED, None, str(exc)))
        except (CsiError, sa.exc.SQLAlchemyError) as exc:
            calls.append(Call(process, index, pid, item, value, ERROR, None, f"{type(exc).__name__}: {exc}"))
        with progress.get_lock():
            progress.value += 1
    store.close()
    results.put((process, calls))


def context():
    """forkserver (children start from a clean server, no inherited engine), else spawn."""
    if "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload([__name__, "csikit.store"])  # import once, fork many
    return ctx


def run(
    plan: Plan, *, lock_after: float | None = None, timeout: float = 300
) -> tuple[list[Call], object, float, float | None]:
    """Start the writers; with ``lock_after`` (a fraction of all calls), the facilitator
    locks the vote once that share of calls has been made. Returns the calls, the
    lock event's timestamp (or None), the seconds from the start signal to the end and
    the seconds the facilitator's lock call took (or None).
    """
    from csikit.store import Store

    ctx = context()
    ready, progress = ctx.Value("i", 0), ctx.Value("i", 0)
    go, results = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=writer, args=(plan, p, ready, go, progress, results), daemon=True)
        for p in range(plan.processes)
    ]
    for proc in procs:
        proc.start()
    facilitator = Store(plan.url)
    deadline = time.monotonic() + timeout
    try:
        while ready.value < plan.processes:
            if time.monotonic() > deadline or not any(p.is_alive() for p in procs) and ready.value < plan.processes:
                raise RuntimeError(f"only {ready.value} of {plan.processes} writers started")
            time.sleep(0.01)
        start = time.perf_counter()
        go.set()
        lock_at = lock_seconds = None
        if lock_after is not None:
            target = int(plan.processes * plan.responses * lock_after)
            while progress.value < target and time.monotonic() < deadline:
                time.sleep(0.001)
            t0 = time.perf_counter()
            facilitator.lock_activity(plan.code, ACTIVITY)
            lock_seconds = time.perf_counter() - t0
            lock_at = [e for e in facilitator.events(plan.code) if e.action == "locked"][-1].at
        calls: list[Call] = []
        for _ in procs:
            left = max(deadline - time.monotonic(), 0.1)
            _, got = results.get(timeout=left)
            calls.extend(got)
        seconds = time.perf_counter() - start
        for proc in procs:
            proc.join(timeout=max(deadline - time.monotonic(), 0.1))
    finally:
        facilitator.close()
        for proc in procs:
            if proc.is_alive():
                proc.kill()
    calls.sort(key=lambda c: (c.process, c.index))
    return calls, lock_at, seconds, lock_seconds


def _apply(state: tuple[tuple[str, int], ...], item: str, value: int) -> tuple[tuple[tuple[str, int], ...], bool]:
    alloc = dict(state)
    alloc[item] = value
    alloc = {k: v for k, v in alloc.items() if v > 0}
    legal = value <= CAP and sum(alloc.values()) <= BUDGET
    return tuple(sorted(alloc.items())), legal


def serialisable(sequences: list[list[Call]], final: tuple[tuple[str, int], ...]) -> bool:
    """Can the calls of these processes (one participant) be put in one order that
    explains every outcome and ends in ``final``?"""
    start = tuple(0 for _ in sequences)
    frontier: dict[tuple[int, ...], set] = {start: {()}}
    total = sum(len(s) for s in sequences)
    for _ in range(total):
        nxt: dict[tuple[int, ...], set] = defaultdict(set)
        for pos, states in frontier.items():
            for k, seq in enumerate(sequences):
                if pos[k] == len(seq):
                    continue
                call = seq[pos[k]]
                moved = pos[:k] + (pos[k] + 1,) + pos[k + 1 :]
                for state in states:
                    after, legal = _apply(state, call.item, call.value)
                    if call.outcome == ACCEPTED and legal and after == call.result:
                        nxt[moved].add(after)
                    elif call.outcome == BUDGET_REFUSED and not legal:
                        nxt[moved].add(state)
                    elif call.outcome == CLOSED:
                        nxt[moved].add(state)
        frontier = nxt
        if not frontier:
            return False
    end = tuple(len(s) for s in sequences)
    return final in frontier.get(end, set())


def check(plan: Plan, calls: list[Call], seconds: float, lock_at=None, lock_seconds=None) -> Report:
    """Read the store back and compare it with what the writers saw."""
    from csikit.store import Store
    from csikit.store import schema as t

    store = Store(plan.url)
    try:
        backend = "sqlite" if store.is_sqlite else "postgresql"
        stored = defaultdict(dict)
        for r in store.responses(plan.code, ACTIVITY):
            stored[r.participant][r.item] = r.value
        with store.engine.connect() as c:
            aid = c.execute(
                sa.select(t.activities.c.id)
                .join(t.workshops)
                .where(t.workshops.c.code == plan.code, t.activities.c.key == ACTIVITY)
            ).scalar_one()
            dupes = c.execute(
                sa.select(t.responses.c.participant_id, t.responses.c.item_id, t.responses.c.criterion, sa.func.count())
                .where(t.responses.c.activity_id == aid)
                .group_by(t.responses.c.participant_id, t.responses.c.item_id, t.responses.c.criterion)
                .having(sa.func.count() > 1)
            ).all()
            latest = c.execute(
                sa.select(sa.func.max(t.responses.c.updated_at)).where(t.responses.c.activity_id == aid)
            ).scalar()
    finally:
        store.close()

    problems: list[str] = []
    lost = 0
    if dupes:
        problems.append(f"{len(dupes)} (participant, item, criterion) stored more than once: {dupes[:3]}")
    errors = [c for c in calls if c.outcome == ERROR]
    for c in errors[:5]:
        problems.append(f"process {c.process} call {c.index}: unexpected error {c.error}")
    expected_calls = plan.processes * plan.responses
    if len(calls) != expected_calls:
        problems.append(f"{len(calls)} calls reported, {expected_calls} expected")
    for pid, alloc in stored.items():
        if sum(alloc.values()) > BUDGET:
            problems.append(f"participant {pid} has {sum(alloc.values())} dots stored, budget {BUDGET}")
        if any(v > CAP or v <= 0 for v in alloc.values()):
            problems.append(f"participant {pid} has an item outside 1..{CAP}: {alloc}")
    for c in calls:
        if c.outcome == ACCEPTED and (sum(v for _, v in c.result) > BUDGET or any(v > CAP for _, v in c.result)):
            problems.append(f"process {c.process} call {c.index} was accepted over budget: {c.result}")

    people = {c.participant for c in calls}
    expected_people = len({p for p in plan.participants if p is not None}) + plan.participants.count(None)
    if len(people) != expected_people:
        problems.append(f"{len(people)} participants wrote, {expected_people} expected (a join was lost or shared)")
    if set(stored) - people:
        problems.append(f"responses stored for participants no writer used: {sorted(set(stored) - people)[:5]}")
    by_participant: dict[int, dict[int, list[Call]]] = defaultdict(lambda: defaultdict(list))
    for c in calls:
        by_participant[c.participant][c.process].append(c)
    for pid, per_process in by_participant.items():
        final = tuple(sorted(stored.get(pid, {}).items()))
        sequences = list(per_process.values())
        if len(sequences) == 1:
            accepted = [c for c in sequences[0] if c.outcome == ACCEPTED]
            expected = accepted[-1].result if accepted else ()
            if final != expected:
                lost += 1
                problems.append(
                    f"participant {pid}: stored {dict(final)}, last accepted call returned {dict(expected)}"
                )
        if not serialisable(sequences, final):
            lost += 1
            problems.append(
                f"participant {pid} (processes {sorted(per_process)}): no order of the calls explains "
                f"what each returned and the stored {dict(final)}"
            )
        for seq in sequences:
            seen_closed = False
            for c in seq:
                if c.outcome == CLOSED:
                    seen_closed = True
                elif c.outcome == ACCEPTED and seen_closed:
                    problems.append(f"process {c.process} call {c.index} was accepted after the vote was locked")
    if lock_at is not None and latest is not None and latest > lock_at:
        problems.append(f"a response was stored at {latest}, after the lock at {lock_at}")

    n = len(calls)
    accepted = sum(c.outcome == ACCEPTED for c in calls)
    closed = sum(c.outcome == CLOSED for c in calls)
    refused = sum(c.outcome == BUDGET_REFUSED for c in calls) + closed
    return Report(
        backend,
        plan.processes,
        n,
        accepted,
        refused,
        closed,
        len(errors),
        lost,
        seconds,
        lock_at,
        lock_seconds,
        problems,
    )


def scenario(url: str, processes: int, responses: int, *, seed: int = 0, lock_after: float | None = None) -> Report:
    plan = prepare(url, processes, responses, seed=seed)
    calls, lock_at, seconds, lock_seconds = run(plan, lock_after=lock_after)
    return check(plan, calls, seconds, lock_at, lock_seconds)
