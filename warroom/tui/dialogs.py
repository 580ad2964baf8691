"""Small modal dialogs that return a value: a reason (or note), and a yes/no confirmation. A
question names ids and titles from config and playbooks: it is shown as written."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from warroom.tui import literal


class AskText(ModalScreen[str | None]):
    """One line of text; Enter gives it, Escape cancels. `required` refuses an empty answer."""

    DEFAULT_CSS = """
    AskText { align: center middle; }
    AskText > Vertical { width: 70; height: auto; border: thick $primary; background: $surface; padding: 1 2; }
    AskText #why { color: $error; height: auto; }
    """
    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(self, question: str, *, required: bool = False, placeholder: str = ""):
        super().__init__()
        self.question, self.required, self.placeholder = question, required, placeholder

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(literal.plain(self.question))
            yield Input(placeholder=self.placeholder, id="answer")
            yield Label("", id="why")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if self.required and not text:
            self.query_one("#why", Label).update(Content("A reason is required: it is logged as a decision."))
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Confirm(ModalScreen[bool]):
    DEFAULT_CSS = """
    Confirm { align: center middle; }
    Confirm > Vertical { width: 60; height: auto; border: thick $warning; background: $surface; padding: 1 2; }
    """
    BINDINGS = [("y", "answer(True)", "Yes"), ("n", "answer(False)", "No"), ("escape", "answer(False)", "No")]

    def __init__(self, question: str):
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(literal.plain(self.question))
            yield Label(Content.from_markup("[b]y[/b] yes    [b]n[/b] no"))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
