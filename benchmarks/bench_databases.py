"""The PostgreSQL database a benchmark runs on, made afresh for each run."""

from __future__ import annotations


def postgres_database_recreate(url: str) -> None:
    """Drop and create the database named by ``url`` (connecting to ``postgres`` on the same server)."""
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
