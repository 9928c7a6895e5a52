"""Calling one shared object from several threads at once, as the registry's callers do."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def call_from_threads(
    call: Callable[[], T], threads: int = 3, times: int = 3
) -> tuple[list[T], list[BaseException]]:
    """Each of ``threads`` threads calls ``call`` ``times`` times; the results and any errors."""
    got: list[T] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            got.extend(call() for _ in range(times))
        except BaseException as exc:
            errors.append(exc)

    running = [threading.Thread(target=work) for _ in range(threads)]
    for t in running:
        t.start()
    for t in running:
        t.join()
    return got, errors
