"""Block editors: a form generated from each block's settings schema, or one a block registers.

A block's engineer plugs in a custom editor or viewer with::

    from embedflow_canvas.editors import register_editor
    register_editor("scatter", lambda context: ScatterView(context))

The factory gets an EditorContext (embedflow_canvas.editors.context) and returns a QWidget.
Modules in this package, the modules named in PLUGIN_MODULES, and add-ons' `embedflow.editors`
entry points (a module that registers on import, or a callable `module:function` called without
arguments) are loaded when the first editor opens; one that fails is recorded in `failures()`.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import traceback
from dataclasses import dataclass
from importlib import metadata
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from PyQt5.QtWidgets import QWidget

    from .context import EditorContext

EditorFactory = Callable[["EditorContext"], "QWidget"]
PLUGIN_MODULES = ("embedflow_canvas.views.scatter_editor",)
EDITORS_GROUP = "embedflow.editors"


@dataclass(frozen=True)
class EditorFailure:
    """An editor module or `embedflow.editors` entry point that failed to load, and why."""

    source: str
    error: str

    def message(self) -> str:
        """One line for users: what failed and its error."""
        return f"{self.source} failed to load: {self.error}; its blocks get the generated form."


_EDITORS: dict[str, EditorFactory] = {}
_FAILURES: list[EditorFailure] = []
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
    """Import every editor module and add-on editor entry point once (each registers its editors)."""
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
                _report_broken(f"editor module {name}", exc)
        except Exception as exc:  # noqa: BLE001 - a broken editor must not take every other editor down with it
            _report_broken(f"editor module {name}", exc)
    for entry_point in metadata.entry_points(group=EDITORS_GROUP):
        dist = entry_point.dist
        package = f"add-on {dist.name} {dist.version}, " if dist else ""
        try:
            loaded = entry_point.load()
            if entry_point.attr:
                loaded()
        except Exception as exc:  # noqa: BLE001 - an add-on's editor must not take the canvas down
            _report_broken(f"{package}editor entry point '{entry_point.name}' ({entry_point.value})", exc)


def failures() -> list[EditorFailure]:
    """The editor modules and entry points that failed to load (after `load_editor_plugins`)."""
    return list(_FAILURES)


def _report_broken(source: str, exc: Exception) -> None:
    _FAILURES.append(EditorFailure(source, f"{type(exc).__name__}: {exc}"))
    print(f"embedflow: {_FAILURES[-1].message()}", file=sys.stderr)
    traceback.print_exc()
