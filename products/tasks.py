"""Catalogue tasks: compiling published versions, and precomputing their explanations, on a worker."""

from __future__ import annotations

from configurator.plumbing.task import atelier_task

from .compilation import version_compile, version_precompute, versions_compile_sweep


@atelier_task(name="products.compile_version", soft_time_limit=600, time_limit=660, max_retries=3)
def compile_version_task(version_id: int) -> None:
    version_compile(version_id=version_id)


@atelier_task(name="products.precompute_version", soft_time_limit=3600, time_limit=3660, max_retries=3)
def precompute_version_task(version_id: int) -> None:
    version_precompute(version_id=version_id)


@atelier_task(name="products.sweep_compilations")
def sweep_compilations_task() -> int:
    return versions_compile_sweep()
