"""Block editors: a form generated from each block's settings schema, or one a block registers.

A block's engineer plugs in a custom editor or viewer with::

    from widgets.editors import register_editor
    register_editor("scatter", lambda context: ScatterView(context))

The factory gets an EditorContext (widgets.editors.context) and returns a QWidget. Modules in
this package, and the modules named in PLUGIN_MODULES, are imported when the canvas starts.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import traceback
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from PyQt5.QtWidgets import QWidget

    from .context import EditorContext

EditorFactory = Callable[["EditorContext"], "QWidget"]
PLUGIN_MODULES = ("embedflow_canvas.scatter_view",)

_EDITORS: dict[str, EditorFactory] = {}
_loaded = False


def register_editor(node_type: str, factory: EditorFactory) -> None:
    """Use `factory(context) -> QWidget` as the editor of blocks of `node_type` (replaces the form)."""
    _EDITORS[node_type] = factory


def unregister_editor(node_type: str) -> None:
    """Go back to the generated form for `node_type`."""
    _EDITORS.pop(node_type, None)


def editor_factory(node_type: str) -> EditorFactory:
    """The registered editor factory of a block type, or the generated settings form."""
    load_editor_plugins()
    if node_type in _EDITORS:
        return _EDITORS[node_type]
    from .form import SettingsForm

    return SettingsForm


def load_editor_plugins() -> None:
    """Import every editor module once (each registers its editors)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    names = [f"{__name__}.{m.name}" for m in pkgutil.iter_modules(__path__)]
    for name in [*names, *PLUGIN_MODULES]:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                _report_broken(name)
        except Exception:  # a broken editor must not take every other editor down with it
            _report_broken(name)


def _report_broken(name: str) -> None:
    print(f"embedflow: the editor module {name} failed to load; its blocks get the generated form.",
          file=sys.stderr)
    traceback.print_exc()
