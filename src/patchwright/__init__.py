"""Patchwright: automated program repair that proves every change by running tests."""

__version__ = "0.1.0"
