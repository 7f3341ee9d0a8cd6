"""Calls: records in the store, pairing codes, the live session and its speech pipeline."""
