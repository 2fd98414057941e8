"""Run several bad-input cases in one process, each through the command's entry point ``aigov_timeline.cli.main``
(what ``python -m aigov_timeline`` and the ``aigov-timeline`` script call), in its own working directory.

Usage: python _batch.py JOBS.json RESULTS.json TIMEOUT. JOBS maps a case name to {"cwd": ..., "args": [...]};
RESULTS maps it to {"returncode", "stderr", "seconds", "cpu"}. A case that runs longer than TIMEOUT seconds is
stopped and recorded with returncode null.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import sys
import time
import traceback
from pathlib import Path


class _Timeout(BaseException):
    """Not an Exception, so that the command's own last-resort handler does not catch it."""


def _alarm(signum, frame):
    raise _Timeout


def run(cwd: str, args: list[str], timeout: int) -> dict:
    from aigov_timeline.cli import main

    os.chdir(cwd)
    err = io.StringIO()
    start, cpu = time.monotonic(), time.process_time()
    signal.alarm(timeout)
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                code = main(args)
            except SystemExit as exc:
                code = exc.code
            except _Timeout:
                code = None
            except BaseException:  # noqa: BLE001 - record what a user would see
                traceback.print_exc()
                code = "crash"
    finally:
        signal.alarm(0)
    return {"returncode": code, "stderr": err.getvalue(), "seconds": time.monotonic() - start,
            "cpu": time.process_time() - cpu}


if __name__ == "__main__":
    signal.signal(signal.SIGALRM, _alarm)
    jobs = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    results = {name: run(job["cwd"], job["args"], int(sys.argv[3])) for name, job in jobs.items()}
    Path(sys.argv[2]).write_text(json.dumps(results), encoding="utf-8")
