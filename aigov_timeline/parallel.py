"""Work shared among worker processes, one per core, falling back to this process when they cannot run."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable

PRELOAD = ["aigov_timeline.columnar", "aigov_timeline.texts"]
"""The modules of the work done in worker processes."""


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class Started:
    """Tasks handed to worker processes (each runs ``initializer`` first); this process goes on meanwhile.

    ``tasks`` may be a generator of ``count`` tasks: a thread of this process then makes each task only when a
    worker is about to be free (at most two per worker made and not yet done), so that the tasks' data is not all
    held at once."""

    def __init__(self, function: Callable, tasks: Iterable, initializer: Callable | None = None,
                 initargs: tuple = (), count: int | None = None):
        self._pool, self._futures, self._feeder, self._failed = None, [], None, False
        count = len(tasks) if count is None else count
        workers = min(count, cores())
        if workers < 2:
            return
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import get_context

        try:
            context = get_context("forkserver")  # (not on Windows: there this process does the work)
            context.set_forkserver_preload(PRELOAD)  # imported once by the server, which each worker is forked from
            self._pool = ProcessPoolExecutor(workers, mp_context=context, initializer=initializer, initargs=initargs)
        except (OSError, ValueError):
            self._close()
            return
        if isinstance(tasks, (list, tuple)):
            self._feed(function, tasks, None)
        else:
            slots = threading.BoundedSemaphore(2 * workers)
            self._feeder = threading.Thread(target=self._feed, args=(function, tasks, slots), daemon=True)
            self._feeder.start()

    def _feed(self, function: Callable, tasks: Iterable, slots: threading.BoundedSemaphore | None) -> None:
        try:
            for task in tasks:
                if slots is not None:
                    slots.acquire()
                future = self._pool.submit(function, task)
                if slots is not None:
                    future.add_done_callback(lambda _: slots.release())
                self._futures.append(future)
        except Exception:  # noqa: BLE001 - a broken pool, or a task that could not be made: done here instead
            self._failed = True

    def results(self) -> list | None:
        """``[function(task) for task in tasks]``; None if there was one core or one task, or the workers could not
        be started or died: the caller then does the work itself."""
        if self._pool is None:
            return None
        from concurrent.futures.process import BrokenProcessPool

        try:
            if self._feeder is not None:
                self._feeder.join()
            return None if self._failed else [future.result() for future in self._futures]
        except (BrokenProcessPool, OSError):
            return None
        finally:
            self._close()

    def _close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
        self._pool, self._futures = None, []


def in_parallel(function: Callable, tasks: list, initializer: Callable | None = None,
                initargs: tuple = ()) -> list | None:
    """``[function(task) for task in tasks]`` computed by worker processes, or None (see ``Started.results``)."""
    return Started(function, tasks, initializer, initargs).results()
