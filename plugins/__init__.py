"""Plugins shipped with the assistant."""
