"""Settings for the HTTP benchmark's server: the product's, with a URLconf that adds the bare
reference views (``bench/urls.py``). Never used by the product or the tests."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
