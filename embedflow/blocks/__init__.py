"""The built-in blocks: one module (or package) per block; each registers its NodeSpec."""
