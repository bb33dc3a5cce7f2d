"""Running actions at the same moment, each in its own thread and database connection."""

from __future__ import annotations

import threading

from django.db import connections


def run_together(*actions) -> list:
    """Run the callables at the same moment, each in its own thread and database connection."""
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(index: int, action) -> None:
        try:
            barrier.wait()
            results[index] = action()
        except Exception as error:  # reported, not swallowed: the test asserts on it
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, action)) for index, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
