"""Running the same work in several processes at once (two staff, two server workers)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable


def exit_codes_at_once(target: Callable[..., None], argument_lists: list[tuple], timeout: float = 120) -> list[int | None]:
    """Start a forked process for each argument tuple together, wait for all, and give
    their exit codes (None: still running after `timeout`, and then killed)."""
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=target, args=arguments, daemon=True) for arguments in argument_lists]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout)
    codes = [process.exitcode for process in processes]
    for process in processes:
        if process.is_alive():
            process.kill()
    return codes
