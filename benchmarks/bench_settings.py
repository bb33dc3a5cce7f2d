"""Settings of the load benchmark: the project's, with the benchmark's URLconf (a bare view beside
the API). Never used outside benchmarks/, so the bare view is not reachable in production."""

from configurator.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
