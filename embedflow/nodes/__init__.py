"""Built-in blocks: each module registers one NodeSpec (and its validation rules)."""
