"""Hypothesis settings for the property tests: few examples, no per-example deadline, no example database.

The suite's time budget is shared by every test; these check that arbitrary input never crashes a
reader and keeps its invariants, which a modest number of varied examples per run does (each CI
run draws new ones). `HYPOTHESIS_PROFILE=thorough` draws many more, for a run by hand.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ratsflow",
    max_examples=40,
    deadline=None,
    database=None,  # nothing written into the work tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("thorough", parent=settings.get_profile("ratsflow"), max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ratsflow"))
