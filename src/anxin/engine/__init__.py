"""Vectorized kernels over Arrow tables (Polars). Contracts: whole persons in, one row per line out."""
