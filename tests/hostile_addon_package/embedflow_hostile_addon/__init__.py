"""Blocks that misbehave, and a module that ends the program when imported."""
