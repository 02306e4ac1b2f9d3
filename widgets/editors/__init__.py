"""Block editors: a form generated from each block's settings schema, or one a block registers.

A block's engineer plugs in a custom editor or viewer with::

    from embedflow_canvas.editors import register_editor
    register_editor("scatter", lambda context: ScatterView(context))

The factory gets an EditorContext (embedflow_canvas.editors.context) and returns a QWidget.
Editors live in the Registry beside the blocks: `load_editors(registry)` loads the modules in this
package, the modules named in PLUGIN_MODULES, and add-ons' `embedflow.editors` entry points (a
module that registers on import, or a callable `module:function` called without arguments) into
that registry when its first editor opens; one that fails is recorded in its `editor_failures`.
"""

from __future__ import annotations

import pkgutil
import sys

from embedflow.registry import EditorFactory, Registry, default_registry
from embedflow.registry import register_editor as register_editor

PLUGIN_MODULES = ("embedflow_canvas.views.scatter_editor",)

__all__ = ["EditorFactory", "editor_factory", "load_editors", "register_editor", "unregister_editor"]


def unregister_editor(node_type: str, registry: Registry | None = None) -> None:
    """Go back to the generated form for `node_type` (in the process's registry unless one is given)."""
    (registry or default_registry()).unregister_editor(node_type)


def editor_factory(node_type: str, registry: Registry | None = None) -> EditorFactory:
    """The editor factory of a block type in `registry` (the process's by default), or the generated form."""
    registry = registry or default_registry()
    load_editors(registry)
    factory = registry.editor(node_type)
    if factory is not None:
        return factory
    from .form import SettingsForm

    return SettingsForm


def load_editors(registry: Registry) -> None:
    """Load the built-in editor modules, then every add-on editor entry point, into `registry` (once)."""
    known = len(registry.editor_failures)
    for name in [f"{__name__}.{m.name}" for m in pkgutil.iter_modules(__path__)] + list(PLUGIN_MODULES):
        registry.load_editor_module(name)
    registry.load_editor_entry_points()
    for failure in registry.editor_failures[known:]:
        print(f"embedflow: {failure_message(failure.source, failure.error)}", file=sys.stderr)


def failure_message(source: str, error: str) -> str:
    """One line for users: which editor module or entry point failed, and its error."""
    return f"{source} failed to load: {error}; its blocks get the generated form."
