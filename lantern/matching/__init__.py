"""Matching: which services fit what a person says they need, and in what order."""
