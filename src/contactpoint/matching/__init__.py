"""Matching: deciding which child an incoming source record belongs to."""
