"""Wheel events over an unfocused value widget (combo box, spin box, slider) scroll the panel around it instead of
changing the value under the pointer (a person scrolling a long panel must not switch Adam to RPROP on the way)."""
from PySide6.QtCore import QEvent, QObject, Qt


class WheelGuard(QObject):
    """Event filter: a wheel event over an unfocused widget goes to its parent (the scroll area) instead."""

    def eventFilter(self, obj, event):  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Wheel and not obj.hasFocus():
            event.ignore()
            return True
        return False

    def guard(self, widgets) -> None:
        """Install the guard on ``widgets``; they take focus by click or Tab only, never by the wheel."""
        for w in widgets:
            w.setFocusPolicy(Qt.StrongFocus)
            w.installEventFilter(self)
