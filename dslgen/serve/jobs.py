"""A bounded queue of generation jobs and the one worker thread that runs them.

One worker, because the model is one set of weights on a few cores: two generations at once
would each run at half speed and hold twice the memory. The queue is bounded so that a burst is
refused at once (429 with Retry-After) instead of piling up work nobody will wait for.

Each job has a deadline counted from its arrival. The waiting request gives up at the deadline
(504); the worker skips a job whose deadline has passed, and sampling stops at the next token
once it passes. Whether a job's result is kept is decided once, under a lock: the worker `commit`s
before it logs, the waiting request `abandon`s when it gives up, and whichever comes first wins.
So every 200 has exactly one logged interaction and every 504 has none.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any


class QueueFullError(Exception):
    """Every queue slot is taken; `retry_after_s` estimates when one frees up."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"the generation queue is full; retry in {retry_after_s} s")
        self.retry_after_s = retry_after_s


class DeadlineExceededError(Exception):
    """The job's deadline passed before its result was kept."""


class ShuttingDownError(Exception):
    """The server stopped before the job ran."""


class Job:
    """One generation request on its way through the queue (states: queued, running,
    committed, abandoned)."""

    def __init__(self, payload: Any, deadline_s: float) -> None:
        self.payload = payload
        self.arrived = time.monotonic()
        self.deadline = self.arrived + deadline_s
        self.future: Future[Any] = Future()
        self._state = "queued"
        self._lock = threading.Lock()

    def remaining_s(self) -> float:
        return self.deadline - time.monotonic()

    def _move(self, allowed: tuple[str, ...], to: str, in_time: bool) -> bool:
        with self._lock:
            if self._state not in allowed or (in_time and self.remaining_s() <= 0):
                return False
            self._state = to
            return True

    def start(self) -> bool:
        """The worker takes the job: False if it was abandoned or is already too late."""
        return self._move(("queued",), "running", in_time=True)

    def expired(self) -> bool:
        """Whether nobody waits for this job any more (abandoned, or past its deadline)."""
        return self._state == "abandoned" or self.remaining_s() <= 0

    def check_alive(self) -> None:
        """Raise DeadlineExceededError if nobody waits for this job any more."""
        if self.expired():
            raise DeadlineExceededError("the deadline passed during generation")

    def commit(self) -> bool:
        """The worker is about to keep the result: False if the requester gave up first."""
        return self._move(("running",), "committed", in_time=True)

    def abandon(self) -> bool:
        """The requester gives up: False if the worker already committed (then wait for it)."""
        return self._move(("queued", "running"), "abandoned", in_time=False)


class GenerationQueue:
    """`submit` jobs from request handlers; one thread runs `run(job)` for each, in order."""

    def __init__(self, run: Callable[[Job], Any], size: int) -> None:
        self._run = run
        self._size = size
        self._jobs: queue.Queue[Job | None] = queue.Queue(maxsize=size)
        self._thread: threading.Thread | None = None
        self._mean_job_s = 5.0  # a first guess for Retry-After, replaced by measurements
        self._stopping = False

    @property
    def waiting(self) -> int:
        return self._jobs.qsize()

    @property
    def capacity(self) -> int:
        return self._size

    def start(self) -> None:
        self._stopping = False
        self._thread = threading.Thread(target=self._work, name="dslgen-generate", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Fail the jobs still waiting (ShuttingDownError), let the running one finish."""
        self._stopping = True
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is not None and job.abandon():
                job.future.set_exception(ShuttingDownError("the server is shutting down"))
        if self._thread is not None:
            with contextlib.suppress(queue.Full):  # a racing submit took the slot: daemon exits
                self._jobs.put(None, timeout=timeout_s)
            self._thread.join(timeout_s)
            self._thread = None

    def submit(self, payload: Any, deadline_s: float) -> Job:
        """Queue a job, or raise QueueFullError (never blocks the event loop)."""
        if self._stopping:
            raise ShuttingDownError("the server is shutting down")
        job = Job(payload, deadline_s)
        try:
            self._jobs.put_nowait(job)
        except queue.Full:
            raise QueueFullError(self.retry_after_s()) from None
        return job

    def retry_after_s(self) -> int:
        """Seconds until a slot is likely free: when the running job ends, one queued job moves
        up, so about one mean job time."""
        return max(1, math.ceil(self._mean_job_s))

    async def result(self, job: Job) -> Any:
        """Wait (without holding a thread) until the job's result is kept or its deadline
        passes; raise DeadlineExceededError in the second case, or the job's own exception."""
        waiting = asyncio.wrap_future(job.future)
        try:
            return await asyncio.wait_for(asyncio.shield(waiting), max(0.0, job.remaining_s()))
        except TimeoutError:
            if job.abandon():
                waiting.add_done_callback(_consume)  # nobody reads it: keep asyncio quiet
                raise DeadlineExceededError("the deadline passed") from None
            return await waiting  # the worker committed first: the result is being logged

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            if not job.start():
                if not job.future.done():
                    job.future.set_exception(DeadlineExceededError("the deadline passed"))
                continue
            started = time.monotonic()
            try:
                job.future.set_result(self._run(job))
            except Exception as exc:  # the worker outlives any one job: the requester gets it
                job.future.set_exception(exc)
            self._mean_job_s = 0.8 * self._mean_job_s + 0.2 * (time.monotonic() - started)


def _consume(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()
