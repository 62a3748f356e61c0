"""Settings of the `api_load` benchmark's server: the project's, plus its limit view."""

from depok_kds.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.api_load_urls"
