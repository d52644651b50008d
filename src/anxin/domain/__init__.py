"""Pure business rules and values. Imports nothing from engine, store, services or entrypoints."""
