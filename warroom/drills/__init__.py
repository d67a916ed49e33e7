"""Scenarios replayed through the command layer: the demo and the drills."""
