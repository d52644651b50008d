"""Adapters to the outside: program files, settlement files, databases."""
