"""The main window's actions as data: one table gives every menu entry, toolbar button and shortcut.

An `ActionSpec` names what an action calls (`trigger`, a path of attributes from the window such as
"files.save") and when it is enabled (`enabled_when`, a state the window reports). `MENUS` and
`TOOLBAR` lay the actions out by id; the ids in MENU_SLOTS are filled by the window itself (the
undo stack's actions, the dock toggles, sub-menus).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import QStyle

Key = QKeySequence.StandardKey | str
SEPARATOR = "-"


class EnabledWhen(StrEnum):
    """A state of the window an action follows."""

    ALWAYS = "always"
    RUNNING = "running"  # a run is going on


@dataclass(frozen=True)
class ActionSpec:
    """One action: its id, menu text, what it calls, its shortcuts and when it is enabled."""

    id: str
    text: str
    trigger: str
    shortcuts: tuple[Key, ...] = ()
    icon: QStyle.StandardPixmap | None = None
    tip: str = ""
    checkable: bool = False
    checked: bool = False
    enabled_when: EnabledWhen = EnabledWhen.ALWAYS
    # The canvas view alone answers the shortcut (Delete and Backspace edit text elsewhere).
    view_only: bool = False

    def tooltip(self) -> str:
        """The tooltip: the tip, else the text without its mnemonic and ellipsis."""
        return self.tip or self.text.replace("&", "").replace("…", "")


S = QStyle
K = QKeySequence
ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("new", "&New", "files.new", (K.New,), S.SP_FileIcon),
    ActionSpec("open", "&Open…", "files.open_dialog", (K.Open,), S.SP_DialogOpenButton),
    ActionSpec("save", "&Save", "files.save", (K.Save,), S.SP_DialogSaveButton),
    ActionSpec("save_as", "Save &As…", "files.save_as", (K.SaveAs,)),
    ActionSpec("export_html", "Export HTML &Map…", "export_html_map",
               tip="Save the selected Scatter's map as one HTML page for any browser"),
    ActionSpec("export_png", "Export Canvas as P&NG…", "teaching.export_png",
               tip="Save a picture of the workflow for slides"),
    ActionSpec("export_svg", "Export Canvas as S&VG…", "teaching.export_svg",
               tip="Save the workflow as a drawing that stays sharp at any size"),
    ActionSpec("quit", "&Quit", "close", (K.Quit,)),
    ActionSpec("cut", "Cu&t", "editor.cut", (K.Cut,)),
    ActionSpec("copy", "&Copy", "editor.copy", (K.Copy,)),
    ActionSpec("paste", "&Paste", "editor.paste", (K.Paste,)),
    ActionSpec("duplicate", "D&uplicate", "editor.duplicate", ("Ctrl+D",)),
    ActionSpec("delete", "&Delete", "editor.delete_selection", (K.Delete, "Backspace"), view_only=True),
    ActionSpec("select_all", "Select &All", "editor.select_all", (K.SelectAll,)),
    ActionSpec("rename", "Re&name", "editor.rename_selected", ("F2",)),
    ActionSpec("note", "Add &Note", "editor.add_note", ("Ctrl+Shift+N",), tip="Add a text note for your students"),
    ActionSpec("arrow", "Add A&rrow", "editor.add_arrow", ("Ctrl+Shift+A",), tip="Add an arrow pointing at something"),
    ActionSpec("group", "&Group", "editor.group_selection", ("Ctrl+G",),
               tip="Fold the selected blocks into one block (Ctrl+G)"),
    ActionSpec("ungroup", "U&ngroup", "editor.ungroup_selection", ("Ctrl+Shift+G",),
               tip="Put the blocks of the selected group back (Ctrl+Shift+G)"),
    ActionSpec("save_group", "Save Group as &Block…", "save_group_as_block",
               tip="Keep the selected group in My blocks, to place it again in any workflow"),
    ActionSpec("zoom_in", "Zoom &In", "view.zoom_in", (K.ZoomIn,)),
    ActionSpec("zoom_out", "Zoom &Out", "view.zoom_out", (K.ZoomOut,)),
    ActionSpec("fit", "&Fit Workflow", "view.fit", ("Ctrl+0",), tip="Show the whole workflow"),
    ActionSpec("reset_zoom", "&Actual Size", "view.reset_zoom", ("Ctrl+1",)),
    ActionSpec("snap", "&Snap to Grid", "editor.set_snap", checkable=True),
    ActionSpec("presentation", "&Presentation Mode", "teaching.presentation.set_active", ("F5",),
               tip="Full screen, larger text and blocks for a projector (F5)", checkable=True),
    ActionSpec("run", "&Run", "run", ("Ctrl+R",), S.SP_MediaPlay, tip="Run the workflow (Ctrl+R)"),
    ActionSpec("autorun", "&Auto-run", "runs.set_auto_run", (), S.SP_BrowserReload,
               tip="Re-run what an edit affects automatically", checkable=True, checked=True),
    ActionSpec("cancel", "&Cancel", "runs.cancel", (), S.SP_MediaStop, tip="Cancel the running block (Esc)",
               enabled_when=EnabledWhen.RUNNING),
    ActionSpec("help", "&Help", "teaching.show_help", (K.HelpContents,),
               tip="Help on the selected block, or on embeddings (F1)"),
    ActionSpec("welcome", "&Welcome Screen…", "teaching.show_welcome",
               tip="Examples, recent workflows and how to build a first one"),
    ActionSpec("addons", "&Add-ons…", "show_add_ons",
               tip="The installed add-ons, their blocks, and any that failed to load"),
)

# Filled by the window: the undo stack's own actions, dock toggles and sub-menus.
MENU_SLOTS = ("undo", "redo", "recent", "examples", "toolbox_dock", "messages_dock", "run_on")
MENUS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("&File", ("new", "open", "recent", "examples", SEPARATOR, "save", "save_as", "export_html", SEPARATOR,
               "export_png", "export_svg", SEPARATOR, "quit")),
    ("&Edit", ("undo", "redo", SEPARATOR, "cut", "copy", "paste", "duplicate", "delete", "select_all", "rename",
               SEPARATOR, "note", "arrow", SEPARATOR, "group", "ungroup", "save_group")),
    ("&View", ("zoom_in", "zoom_out", "fit", "reset_zoom", "snap", SEPARATOR, "toolbox_dock", "messages_dock",
               SEPARATOR, "presentation")),
    ("&Run", ("run", "autorun", "cancel", "run_on")),
    ("&Help", ("help", "welcome", SEPARATOR, "addons")),
)
# The toolbar's Undo and Redo ("undo_tool", "redo_tool") keep short fixed texts so no button moves.
TOOLBAR = ("new", "open", "save", SEPARATOR, "undo_tool", "redo_tool", SEPARATOR, "run", "autorun", "cancel",
           SEPARATOR, "fit", "note", "arrow")
