"""Anxin (安心): mass-scale insurance programs, computed exactly and explained line by line."""

import os

__version__ = "0.1.0"

#: Polars allocates with jemalloc, which by default hands freed pages back to the system within
#: moments; a batch job that builds and drops frames of millions of rows again and again then spends
#: as much time faulting the same pages back in as computing (measured on the daily servicing run:
#: about a third of its time, docs/PERFORMANCE.md). Freed pages are kept for 30 s instead. Set before
#: Polars loads (importing ``anxin`` first is enough); a value given in the environment wins.
JEMALLOC_CONF = "dirty_decay_ms:30000,muzzy_decay_ms:30000"
os.environ.setdefault("_RJEM_MALLOC_CONF", JEMALLOC_CONF)
