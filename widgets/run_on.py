"""Run → Run on…: this computer, or a Dask scheduler (an address, or local:N for worker processes here)."""

from __future__ import annotations

from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import (
    QAction,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from .run_controller import RunController

ADDRESS_HINT = "tcp://HOST:8786, as `dask scheduler` prints it; or local:2 for two worker processes here"


class RunOnDialog(QDialog):
    """Choose where the workflow runs; `address()` is "" for this computer."""

    def __init__(self, current: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Run on")
        layout = QVBoxLayout(self)
        self.here = QRadioButton("This computer")
        self.cluster = QRadioButton("A Dask scheduler:")
        group = QButtonGroup(self)
        group.addButton(self.here)
        group.addButton(self.cluster)
        self.scheduler = QLineEdit(current)
        self.scheduler.setPlaceholderText("tcp://HOST:8786")
        self.scheduler.setToolTip(ADDRESS_HINT)
        hint = QLabel("Blocks that work row by row run on the cluster's workers; results stay there until a "
                      "view or a whole-table block needs them. " + ADDRESS_HINT + ".")
        hint.setWordWrap(True)
        (self.cluster if current else self.here).setChecked(True)
        self.scheduler.setEnabled(bool(current))
        self.cluster.toggled.connect(self.scheduler.setEnabled)
        self.scheduler.textEdited.connect(lambda _: self.cluster.setChecked(True))
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        for widget in (self.here, self.cluster, self.scheduler, hint, buttons):
            layout.addWidget(widget)

    def address(self) -> str:
        """The scheduler address chosen, or "" for this computer."""
        return self.scheduler.text().strip() if self.cluster.isChecked() else ""


def add_run_on(menu: QMenu, runs: RunController, parent: QWidget) -> QAction:
    """Add Run on… to the Run menu: the dialog, then connecting (off the UI thread) and a note of the outcome."""
    action = QAction("Run &on…", parent)
    action.setStatusTip("Run on this computer or on a Dask cluster")

    def choose() -> None:
        dialog = RunOnDialog(runs.where, parent)
        if dialog.exec_() != QDialog.Accepted:
            return
        address = dialog.address()
        if not address:
            if runs.executor is not None:
                runs.use_this_computer()
            return
        if address != runs.where:
            action.setEnabled(False)
            runs.use_scheduler(address)

    def changed(where: str) -> None:
        action.setEnabled(True)
        action.setText(f"Run &on… ({where or 'this computer'})")
        status = getattr(parent, "statusBar", None)
        if callable(status):
            status().showMessage(f"Runs now go to {where or 'this computer'}", 5000)

    def failed(message: str) -> None:
        action.setEnabled(True)
        box = QMessageBox(QMessageBox.Warning, "Run on a Dask scheduler", message, QMessageBox.Ok, parent)
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.open()  # not exec_(): the window goes on while the note is shown

    action.triggered.connect(choose)
    runs.executorChanged.connect(changed)
    runs.executorFailed.connect(failed)
    menu.addAction(action)
    return action
