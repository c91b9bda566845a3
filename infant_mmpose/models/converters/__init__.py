"""Checkpoint converters (not registered components)."""
