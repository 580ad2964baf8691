"""Small modal dialogs that return a value: a reason (or note), and a yes/no confirmation. A
question names ids and titles from config and playbooks: it is shown as written, wrapped (a
Label is as wide as its text unless told otherwise: the box cut its own question)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from warroom.i18n import N_, _
from warroom.tui import literal


class AskText(ModalScreen[str | None]):
    """One line of text; Enter gives it, Escape cancels. `required` refuses an empty answer, saying
    `refusal`: what is missing, in the words of the question asked."""

    DEFAULT_CSS = """
    AskText { align: center middle; }
    AskText > Vertical { width: 76; max-width: 90%; height: auto; max-height: 90%; border: thick $primary; background: $surface; padding: 1 2; }
    AskText Label { width: 100%; }
    AskText #why { color: $error; height: auto; }
    """
    BINDINGS = [("escape", "cancel", N_("Cancel"))]

    def __init__(self, question: str, *, required: bool = False, refusal: str | None = None, placeholder: str = "", value: str = ""):
        """`value`: an answer to start from (a default to accept with Enter, or edit). `refusal`
        defaults to a general one, in the language spoken when the dialog is made."""
        super().__init__()
        self.question, self.required, self.placeholder, self.value = question, required, placeholder, value
        self.refusal = refusal if refusal is not None else _("An answer is required (esc cancels).")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(literal.plain(self.question))
            yield Input(self.value, placeholder=self.placeholder, id="answer")
            yield Label("", id="why")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if self.required and not text:
            self.query_one("#why", Label).update(Content(self.refusal))
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Confirm(ModalScreen[bool]):
    DEFAULT_CSS = """
    Confirm { align: center middle; }
    Confirm > Vertical { width: 76; max-width: 90%; height: auto; max-height: 90%; border: thick $warning; background: $surface; padding: 1 2; }
    Confirm Label { width: 100%; }
    """
    BINDINGS = [("y", "answer(True)", N_("Yes")), ("n", "answer(False)", N_("No")), ("escape", "answer(False)", N_("No"))]

    def __init__(self, question: str):
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(literal.plain(self.question))
            # TRANSLATORS: our markup; y and n are the keys (the same in every language): keep them.
            yield Label(Content.from_markup(_("[b]y[/b] yes    [b]n[/b] no")))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class Choose(ModalScreen[str | None]):
    """One of a few answers, by arrow keys and Enter or by its number; Escape cancels. Labels name
    ids and titles from config and playbooks: shown as written."""

    DEFAULT_CSS = """
    Choose { align: center middle; }
    Choose > Vertical { width: 76; max-width: 90%; height: auto; max-height: 90%; border: thick $primary; background: $surface; padding: 1 2; }
    Choose Label { width: 100%; }
    Choose OptionList { height: auto; max-height: 12; margin-top: 1; }
    """
    BINDINGS = [("escape", "cancel", N_("Cancel")), *((str(n), f"pick({n - 1})", "") for n in range(1, 10))]

    def __init__(self, question: str, choices: list[tuple[str, str]]):
        """`choices`: (value, label), the first highlighted."""
        super().__init__()
        self.question, self.choices = question, choices

    def compose(self) -> ComposeResult:
        from textual.widgets import OptionList
        from textual.widgets.option_list import Option

        with Vertical():
            yield Label(literal.plain(self.question))
            yield OptionList(*(Option(Content.assemble((f"{n}  ", "bold"), literal.plain(label)), id=value)
                               for n, (value, label) in enumerate(self.choices, start=1)), id="choices")

    def on_option_list_option_selected(self, event) -> None:
        self.dismiss(event.option.id)

    def action_pick(self, index: int) -> None:
        if index < len(self.choices):
            self.dismiss(self.choices[index][0])

    def action_cancel(self) -> None:
        self.dismiss(None)


class Details(ModalScreen[None]):
    """Everything about one row of the room (a step, a level, a fallback, a log entry), as k9s
    describes a resource: a page to read that scrolls by keyboard; Escape, Enter or q closes it.
    The body is built by the room from `literal` pieces: never markup."""

    DEFAULT_CSS = """
    Details { align: center middle; }
    Details > VerticalScroll { width: 100%; height: 1fr; border: round $accent; background: $surface; padding: 0 1; }
    """
    BINDINGS = [("escape", "close", N_("Close")), ("enter", "close", N_("Close")), ("q", "close", N_("Close")),
                ("j", "scroll('down')", N_("Down")), ("k", "scroll('up')", N_("Up")), ("down", "scroll('down')", ""), ("up", "scroll('up')", ""),
                ("pagedown", "scroll('page_down')", ""), ("pageup", "scroll('page_up')", ""), ("space", "scroll('page_down')", ""),
                ("home", "scroll('home')", ""), ("end", "scroll('end')", "")]

    def __init__(self, title: Content, body: Content):
        super().__init__()
        self.title_content, self.body = title, body

    def compose(self) -> ComposeResult:
        from textual.containers import VerticalScroll
        from textual.widgets import Static

        from warroom.tui.footer import Footer

        with VerticalScroll(id="details") as pane:
            pane.border_title = self.title_content
            pane.can_focus = True
            yield Static(self.body, id="body")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#details").focus()

    def action_scroll(self, where: str) -> None:
        pane = self.query_one("#details")
        getattr(pane, f"scroll_{where}")(animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
