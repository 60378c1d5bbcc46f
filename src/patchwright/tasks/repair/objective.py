"""Repair's objective: the failing tests pass and every test that passed still passes."""

from __future__ import annotations

from patchwright.search.reward import TestObjective


class RepairObjective(TestObjective):
    name = "repair"
