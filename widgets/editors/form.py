"""The generated settings form: one field per Setting (bounds, choices and help from the schema)."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from html import escape
from pathlib import Path
from typing import Any

from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from embedflow.core.diagnostics import Diagnostic
from embedflow.core.specs import Setting
from embedflow.io.resources import resource
from embedflow.io.trusted_paths import remember_picked

from .. import style
from .context import EditorContext

INT_LIMIT = 2_000_000_000
PATH_FIELD_WIDTH = 340  # room for a typical relative path such as data/short_documents.csv


class SettingField:
    """One setting's widget: shows a value and reports edits through `on_edit(value)`."""

    def __init__(self, setting: Setting, on_edit: Callable[[Any], None], context: EditorContext) -> None:
        self.setting = setting
        self.on_edit = on_edit
        self.context = context
        self.widget = self._build()

    def _build(self) -> QWidget:
        s = self.setting
        if s.kind == "bool":
            box = QCheckBox()
            box.toggled.connect(lambda on: self.on_edit(bool(on)))
            self.editor: Any = box
            return box
        if s.kind == "int":
            spin = QSpinBox()
            spin.setRange(int(s.minimum) if s.minimum is not None else -INT_LIMIT,
                          int(s.maximum) if s.maximum is not None else INT_LIMIT)
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(lambda v: self.on_edit(int(v)))
            self.editor = spin
            return spin
        if s.kind == "float":
            decimal = QDoubleSpinBox()
            decimal.setDecimals(_decimals(s))
            decimal.setRange(s.minimum if s.minimum is not None else -1e12,
                             s.maximum if s.maximum is not None else 1e12)
            decimal.setSingleStep(_step(s))
            decimal.setKeyboardTracking(False)
            decimal.valueChanged.connect(lambda v: self.on_edit(float(v)))
            self.editor = decimal
            return decimal
        if s.kind == "choice":
            combo = QComboBox()
            combo.addItems(list(s.choices))
            combo.activated[str].connect(self.on_edit)
            self.editor = combo
            return combo
        if s.kind == "column":
            combo = QComboBox()
            combo.setEditable(True)
            combo.setInsertPolicy(QComboBox.NoInsert)
            combo.lineEdit().setPlaceholderText("(automatic)")
            combo.activated[str].connect(self.on_edit)
            combo.lineEdit().editingFinished.connect(lambda: self.on_edit(combo.currentText().strip()))
            self.editor = combo
            return combo
        line = QLineEdit()
        if s.kind == "list":
            line.setPlaceholderText("comma-separated")
            line.editingFinished.connect(lambda: self.on_edit(parse_list(line.text())))
        else:
            line.editingFinished.connect(lambda: self.on_edit(line.text().strip() if s.kind == "path" else line.text()))
        self.editor = line
        if s.kind != "path":
            return line
        line.setMinimumWidth(PATH_FIELD_WIDTH)
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(line, 1)
        for label, folder in (("File…", False), ("Folder…", True)):
            button = QPushButton(label)
            button.clicked.connect(lambda _=False, folder=folder: self._browse(folder))
            layout.addWidget(button)
        return row

    def start_folder(self) -> str:
        """Where the file dialog opens: the current value's folder, the workflow's, or the sample data."""
        base = Path(self.context.base_dir) if self.context.base_dir else None
        text = self.editor.text().strip()
        if text:
            current = Path(text).expanduser()
            if not current.is_absolute() and base is not None:
                current = base / current
            for candidate in (current, current.parent):
                if candidate.is_dir():
                    return str(candidate)
        return str(base if base is not None and base.is_dir() else resource("data"))

    def _browse(self, folder: bool) -> None:
        start = self.start_folder()
        if folder:
            chosen = QFileDialog.getExistingDirectory(self.widget, self.setting.display_name, start)
        else:
            chosen, _ = QFileDialog.getOpenFileName(self.widget, self.setting.display_name, start,
                                                    file_filter(self.setting.suffixes))
        if chosen:
            remember_picked(chosen)  # a folder the user picked is trusted (untrusted-path)
            self.editor.setText(chosen)
            self.on_edit(chosen)

    def show(self, value: Any) -> None:
        """Display `value` without reporting it as an edit."""
        editor = self.editor
        editor.blockSignals(True)
        try:
            if self.setting.kind == "bool":
                editor.setChecked(bool(value))
            elif self.setting.kind in ("int", "float"):
                if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
                    editor.setValue(value)
            elif self.setting.kind == "choice":
                if editor.findText(str(value)) < 0:
                    editor.addItem(str(value))  # an invalid stored value stays visible; the validator explains
                editor.setCurrentText(str(value))
            elif self.setting.kind == "column":
                current = [editor.itemText(i) for i in range(editor.count())]
                columns = self.context.columns()
                if columns != current:
                    editor.clear()
                    editor.addItems(columns)
                editor.setCurrentText(str(value))
                picked = self._picked_column()
                editor.lineEdit().setPlaceholderText(f"(automatic: {picked})" if picked else "(automatic)")
            elif self.setting.kind == "list":
                editor.setText(", ".join(str(v) for v in value) if isinstance(value, list) else str(value))
            else:
                editor.setText("" if value is None else str(value))
        finally:
            editor.blockSignals(False)


    def _picked_column(self) -> str:
        """The feature column the block's last run picked by itself (shown while the setting is automatic)."""
        spec = self.context.spec
        if self.setting.name != "feature" or spec is None:
            return ""
        for port in spec.outputs:
            feature = getattr(self.context.output(port.name), "feature", None)
            if isinstance(feature, str) and feature:
                return feature
        return ""


def file_filter(suffixes: tuple[str, ...]) -> str:
    """The file dialog's name filter: the setting's file endings first, then every file."""
    if not suffixes:
        return ""
    return f"Data files ({' '.join('*' + suffix for suffix in suffixes)});;All files (*)"


def parse_list(text: str) -> list[Any]:
    """Comma-separated items; whole numbers and decimals become numbers, the rest stays text."""
    items: list[Any] = []
    for raw in text.split(","):
        item = raw.strip()
        if not item:
            continue
        for kind in (int, float):
            try:
                items.append(kind(item))
                break
            except ValueError:
                continue
        else:
            items.append(item)
    return items


def _decimals(setting: Setting) -> int:
    """Places the setting's bounds and default need (1 to 4): a timeout shows 10.0, not 10.0000."""
    values = [v for v in (setting.minimum, setting.maximum, setting.default) if isinstance(v, float)]
    places = [len(f"{v:.4f}".rstrip("0").split(".")[1]) for v in values]
    return min(max(places + [1]), 4)


def _step(setting: Setting) -> float:
    if setting.minimum is not None and setting.maximum is not None:
        return max((setting.maximum - setting.minimum) / 100, 0.0001)
    return 0.1


class SettingsForm(QWidget):
    """The editor every block gets: its settings as a form; edits are undoable and re-run the block.

    `leave_out` names settings a custom editor shows its own way (e.g. a model list), so they are not
    shown twice."""

    def __init__(self, context: EditorContext, parent: QWidget | None = None, leave_out: tuple[str, ...] = ()) -> None:
        super().__init__(parent)
        self.context = context
        self.fields: dict[str, SettingField] = {}
        self.rows: dict[str, tuple[QLabel, QWidget]] = {}
        outer = QVBoxLayout(self)
        spec = context.spec
        if spec is not None and spec.description:
            about = QLabel(spec.description)
            about.setWordWrap(True)
            about.setStyleSheet("color: #555;")
            outer.addWidget(about)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.ExpandingFieldsGrow)
        outer.addLayout(form)
        for setting in spec.settings if spec else ():
            if setting.kind == "rows" or setting.name in leave_out:
                continue  # row selections are made in a block's own view, not typed; left-out ones elsewhere
            field = SettingField(setting, partial(self._edited, setting.name), context)
            self.fields[setting.name] = field
            label = QLabel(setting.display_name)
            if setting.help:
                label.setToolTip(setting.help)
                field.widget.setToolTip(setting.help)
            column = QWidget()
            # The whole field width for the help text: squeezed under a narrow combo box it wrapped into more
            # lines than the form made room for, and its last lines were cut off.
            column.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
            column_layout = QVBoxLayout(column)
            column_layout.setContentsMargins(0, 0, 0, 0)
            column_layout.setSpacing(1)
            stretches = isinstance(field.widget, QLineEdit) or setting.kind in ("path", "column")
            column_layout.addWidget(field.widget, 0, Qt.Alignment() if stretches else Qt.AlignLeft)
            if setting.help:
                help_label = QLabel(setting.help)
                help_label.setWordWrap(True)
                help_label.setStyleSheet("color: #777; font-size: 8pt;")
                column_layout.addWidget(help_label)
            form.addRow(label, column)
            self.rows[setting.name] = (label, column)
        if spec is None:
            outer.addWidget(QLabel(f"“{context.node.title}” is of an unknown block type; "
                                   "its settings are kept as they are."))
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setTextFormat(Qt.RichText)
        outer.addWidget(self.problems)
        outer.addStretch(1)
        context.settingsChanged.connect(self.show_settings)
        context.resultChanged.connect(self._show_current_settings)  # a bound slot: disconnected when the form dies
        context.diagnosticsChanged.connect(self.show_diagnostics)
        self.show_settings(context.settings())
        self.show_diagnostics(context.diagnostics())

    def set_row_visible(self, name: str, visible: bool) -> None:
        """Show or hide one setting's row (label, field and help)."""
        for widget in self.rows[name]:
            widget.setVisible(visible)

    def _show_current_settings(self) -> None:
        self.show_settings(self.context.settings())

    def show_settings(self, settings: dict[str, Any]) -> None:
        """Display the block's current settings (after edits, undo or a run)."""
        for name, field in self.fields.items():
            field.show(settings.get(name, field.setting.default))

    def show_diagnostics(self, diagnostics: list[Diagnostic]) -> None:
        """List what is wrong with this block under the form."""
        lines = [f"<span style='color:{style.SEVERITY_COLOURS[d.severity]}'>●</span> {escape(d.message)}"
                 + (f"<br><i>{escape(d.hint)}</i>" if d.hint else "") for d in diagnostics]
        self.problems.setText("<br>".join(lines))
        self.problems.setVisible(bool(lines))

    def _edited(self, name: str, value: Any) -> None:
        # A spin box changes its value click by click: those clicks are one change; anything else is committed.
        self.context.apply({name: value}, merge=self.fields[name].setting.kind in ("int", "float"))
