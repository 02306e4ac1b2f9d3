"""Edit › Save Group as Block…: the selected group into the user library, shown under My blocks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PyQt5.QtWidgets import QInputDialog

from embedflow.core.errors import EmbedflowError
from embedflow.groups import GROUP
from embedflow.io.user_blocks import save_user_block

if TYPE_CHECKING:
    from .mainwindow import MainWindow


def save_selected_group(window: MainWindow, description: str | None = None) -> str | None:
    """Save the selected group into the user library and show it in the toolbox; the file's path."""
    groups = [node_id for node_id in window.scene.selected_node_ids()
              if window.document.workflow.nodes[node_id].type == GROUP]
    if len(groups) != 1:
        window.statusBar().showMessage("Select one group to save it as a block.", 6000)
        return None
    if description is None:
        description, accepted = QInputDialog.getText(window, "Save group as block",
                                                     "A line that says what the block does:")
        if not accepted:
            return None
    try:
        path = save_user_block(window.document.workflow, groups[0], description)
    except EmbedflowError as exc:
        window.show_error("Cannot save the block", str(exc))
        return None
    window.toolbox.reload()
    window.statusBar().showMessage(f"Saved as a block in {path}", 6000)
    return str(path)
