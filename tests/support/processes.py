"""Running the same work in several processes at once (two staff, two server workers)."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable


def exit_codes_at_once(target: Callable[..., None], argument_lists: list[tuple], timeout: float = 120) -> list[int | None]:
    """Start a forked process for each argument tuple together, wait for all, and give
    their exit codes (None: still running after `timeout`, and then killed)."""
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=target, args=arguments, daemon=True) for arguments in argument_lists]
    for process in processes:
        process.start()
    deadline = time.monotonic() + timeout
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    codes = [process.exitcode for process in processes]
    for process in processes:
        if process.is_alive():
            process.kill()
            process.join()
    return codes
