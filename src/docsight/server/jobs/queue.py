"""Queue backends behind one interface: ``inline`` threads here, ``celery`` in ``celery_app``.

The queue carries job ids only; the store holds the state. So a backend may lose or duplicate
messages (a broker restart, a redelivery) without losing or doubling work: a lost id is
re-sent by the reconciler, a duplicate finds the job already claimed or finished.
"""

from __future__ import annotations

import os
import socket
import threading
from typing import TYPE_CHECKING, Protocol

from docsight.server.logging import get_logger

if TYPE_CHECKING:
    from docsight.server.jobs.service import JobService
    from docsight.server.jobs.tables import Job

log = get_logger("docsight.queue")


class QueueBackend(Protocol):
    name: str

    def start(self, service: JobService) -> None: ...

    def stop(self) -> None: ...

    def enqueue(self, job: Job, *, delay: float = 0) -> None: ...

    def notify(self, kind: str, ident: str) -> None:
        """Deliver the webhook of a finished job (``kind="job"``) or batch, in the background."""

    def ping(self) -> None: ...


def worker_name(suffix: str) -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{suffix}"


class InlineQueue:
    """Worker threads in the API process that claim jobs from the store.

    Because they pull from the store rather than from an in-memory queue, jobs queued before a
    restart (or by another replica) are picked up, and a job whose worker died is re-claimed
    once its lease lapses.
    """

    name = "inline"

    def __init__(self, workers: int, poll: float = 0.5) -> None:
        self.workers = workers
        self.poll = poll
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._service: JobService | None = None

    def start(self, service: JobService) -> None:
        self._service = service
        self._stopping.clear()
        for index in range(self.workers):
            thread = threading.Thread(
                target=self._loop, args=(worker_name(f"inline-{index}"),), daemon=True,
                name=f"docsight-inline-{index}",
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=30)
        self._threads.clear()

    def enqueue(self, job: Job, *, delay: float = 0) -> None:
        self._wake.set()

    def notify(self, kind: str, ident: str) -> None:
        service = self._service
        if service is not None:
            threading.Thread(
                target=service.deliver_webhook, args=(kind, ident), daemon=True
            ).start()

    def ping(self) -> None:
        if self._service is not None and not any(t.is_alive() for t in self._threads):
            raise RuntimeError("no inline worker thread is alive")

    def _loop(self, worker: str) -> None:
        service = self._service
        assert service is not None
        while not self._stopping.is_set():
            try:
                job = service.claim(worker)
                if job is not None:
                    service.execute(job, worker)
                    continue
            except Exception:  # the loop must survive a store hiccup
                log.exception("inline_worker_error", worker=worker)
            self._wake.wait(self.poll)
            self._wake.clear()

    @property
    def stopping(self) -> threading.Event:
        return self._stopping
