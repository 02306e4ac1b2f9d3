"""The model: workflow, block specs, ports, diagnostics, errors and tables. Imports nothing above it."""
