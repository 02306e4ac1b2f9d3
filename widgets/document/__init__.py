"""Editing a workflow: undo commands, the document that pushes them, clipboard and quick search."""
