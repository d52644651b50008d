"""A deterministic synthetic Shandong province: insured residents and a year of their settlements.

``generate_province(persons, seed, ...)`` gives the same data for the same arguments, byte for byte;
``write_province_chunked`` writes the same rows for provinces too large to hold in memory, and
``read_province`` reads any of the written formats back with the original column types.
"""

from anxin.synth.kernel_input import as_kernel_input
from anxin.synth.province import (
    BLOCK_PERSONS,
    Province,
    generate_province,
    read_province,
    write_province,
    write_province_chunked,
)
from anxin.synth.regions import SHANDONG_CITIES

__all__ = [
    "BLOCK_PERSONS",
    "SHANDONG_CITIES",
    "Province",
    "as_kernel_input",
    "generate_province",
    "read_province",
    "write_province",
    "write_province_chunked",
]
