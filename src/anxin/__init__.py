"""Anxin (安心): mass-scale insurance programs, computed exactly and explained line by line."""

__version__ = "0.1.0"
