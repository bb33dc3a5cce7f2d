"""Is the Celery broker reachable? A quick check with a clear answer, for commands and health."""

from __future__ import annotations

from kombu import Connection


def broker_problem(url: str, timeout: float = 2.0) -> str | None:
    """None when the broker answers, else why not (one line)."""
    try:
        with Connection(
            url, connect_timeout=timeout, transport_options={"socket_timeout": timeout}
        ) as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout)
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return None
