"""Work shared among worker processes, one per core, falling back to this process when they cannot run."""

from __future__ import annotations

import os
from collections.abc import Callable


PRELOAD = ["aigov_timeline.columnar", "aigov_timeline.texts"]
"""The modules of the work done in worker processes."""


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class Started:
    """Tasks handed to worker processes (each runs ``initializer`` first); this process goes on meanwhile."""

    def __init__(self, function: Callable, tasks: list, initializer: Callable | None = None, initargs: tuple = ()):
        self._pool, self._futures = None, []
        if min(len(tasks), cores()) < 2:
            return
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import get_context

        context = get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)  # imported once by the server, which each worker is forked from
        try:
            self._pool = ProcessPoolExecutor(min(len(tasks), cores()), mp_context=context,
                                             initializer=initializer, initargs=initargs)
            self._futures = [self._pool.submit(function, task) for task in tasks]
        except OSError:
            self._close()

    def results(self) -> list | None:
        """``[function(task) for task in tasks]``; None if there was one core or one task, or the workers could not
        be started or died: the caller then does the work itself."""
        if self._pool is None:
            return None
        from concurrent.futures.process import BrokenProcessPool

        try:
            return [future.result() for future in self._futures]
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
