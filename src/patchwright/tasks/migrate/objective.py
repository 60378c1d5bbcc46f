"""Migration's objective: in the target environment (warnings as errors), the tests that
fail after the upgrade pass and every test that passed still passes."""

from __future__ import annotations

from patchwright.search.reward import TestObjective


class MigrateObjective(TestObjective):
    name = "migrate"
