"""Analyses above the engine: comparison, Monte Carlo and goal seeking."""
