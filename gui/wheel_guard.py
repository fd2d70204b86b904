"""Wheel events over an unfocused value widget (combo box, spin box, slider) scroll the panel around it instead of
changing the value under the pointer (a person scrolling a long panel must not switch Adam to RPROP on the way)."""
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QApplication


class WheelGuard(QObject):
    """Event filter: a wheel event over an unfocused widget goes to the scroll area around it instead."""

    def eventFilter(self, obj, event):  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Wheel and not obj.hasFocus():
            area = obj.parentWidget()
            while area is not None and not isinstance(area, QAbstractScrollArea):
                area = area.parentWidget()
            if area is not None:
                # the viewport scrolls; at the end of its range it ignores the event and Qt passes it outwards
                QApplication.sendEvent(area.viewport(), event)
            return True
        return False

    def guard(self, widgets) -> None:
        """Install the guard on ``widgets``; they take focus by click or Tab only, never by the wheel."""
        for w in widgets:
            w.setFocusPolicy(Qt.StrongFocus)
            w.installEventFilter(self)
