"""Test runners (pytest, unittest) as plugins of core.registry "runner", and the TestBed
that pairs one with a sandbox. Sandboxes run processes; runners know test frameworks."""
