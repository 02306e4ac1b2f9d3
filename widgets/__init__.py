"""The embedflow canvas: a PyQt5 view of the engine's workflow model."""
