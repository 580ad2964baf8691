"""Exporting from the incident room (`E`, issue 13) through Pilot, on a real home: the file is the one
`warroom export` writes for the same incident and format, the notification names it by its full
path, an existing file is replaced only when confirmed, and a folder that cannot be written is one
line."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.conftest import run_cli
from tests.helpers import immutable
from tests.test_incidents import configure
from tests.tui.test_board import until
from tests.tui.test_room import act_as_me, open_room, start_incident
from warroom.services import logbook
from warroom.tui.app import make_app
from warroom.tui.dialogs import AskText, Choose, Confirm

AWKWARD = 'Fail over "now", 5 < 6 & 7; a, comma\nsecond line 🚒 مرحبا =1+1 \x1b]0;owned\x07'


def _worked(home, clock) -> int:
    configure(home)
    incident_id = start_incident(home, clock)
    act_as_me(home, clock, lambda session, cfg, me: logbook.log(session, incident_id=incident_id, text=AWKWARD, kind="decision",
                                                                  rationale=AWKWARD, now=clock.now(), actor=me))
    return incident_id


def notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def _export(app, pilot, choice: str, path: str | None = None) -> AskText:
    """E, the format's number, and (when given) a path typed over the default; returns the path dialog."""
    await pilot.press("E")
    await until(pilot, lambda: isinstance(app.screen, Choose), what="the format question")
    await pilot.press(choice)
    await until(pilot, lambda: isinstance(app.screen, AskText), what="the path question")
    asked = app.screen
    if path is not None:
        # The folder set, the file's name typed key by key: a key a character, the whole temporary
        # path took seconds of presses to say no more.
        folder, slash, name = path.rpartition("/")
        answer = asked.query_one("#answer")
        answer.value = folder + slash
        answer.cursor_position = len(answer.value)
        await pilot.press(*name)
        assert answer.value == path
    return asked


@pytest.mark.parametrize("choice,fmt", [("4", "csv"), ("3", "json")])
def test_the_room_exports_the_file_the_cli_writes_and_says_where(home, clock, tmp_path, monkeypatch, choice, fmt):
    incident_id = _worked(home, clock)
    here = tmp_path / "ssh-login"
    here.mkdir()
    monkeypatch.chdir(here)  # where the coordinator started warroom: the default folder
    target = here / f"incident-{incident_id}.{fmt}"

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_room(app, pilot, incident_id)
            asked = await _export(app, pilot, choice)
            assert asked.query_one("#answer").value == str(target), "the default: the folder warroom was started in"
            await pilot.press("enter")
            await until(pilot, lambda: any(n.startswith("exported") for n in notes(app)), timeout=60, what="the export's note")
            assert f"exported incident #{incident_id} ({fmt}) to {target}" in notes(app)

    asyncio.run(scenario())
    cli = tmp_path / f"cli.{fmt}"
    made = run_cli("export", str(incident_id), "--format", fmt, "-o", str(cli), home=home.root)
    assert made.returncode == 0, made.stderr
    if fmt == "csv":
        assert target.read_bytes() == cli.read_bytes()
        assert "🚒" in target.read_text(encoding="utf-8-sig")
    else:  # the same but for when it was made, and so its signature
        ours, theirs = json.loads(target.read_bytes()), json.loads(cli.read_bytes())
        for document in (ours, theirs):
            del document["export"]["generated_at"], document["signature"]
        assert ours == theirs
        checked = run_cli("verify", "--export", str(target), home=home.root)
        assert checked.returncode == 0, checked.stdout + checked.stderr


def test_an_existing_file_is_replaced_only_when_confirmed_and_a_typed_path_is_data(home, clock, tmp_path):
    incident_id = _worked(home, clock)
    target = tmp_path / "out [bold]x[red].md"
    target.write_text("keep me")

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_room(app, pilot, incident_id)
            await _export(app, pilot, "1", str(target))
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, Confirm), what="the question whether to replace it")
            await pilot.press("n")
            await until(pilot, lambda: any("left as it was" in n for n in notes(app)), what="the note that nothing was written")
            assert target.read_text() == "keep me"
            await _export(app, pilot, "1", str(target))
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, Confirm), what="the question again")
            await pilot.press("y")
            await until(pilot, lambda: any(n.startswith("exported") for n in notes(app)), timeout=60, what="the export's note")
            assert f"exported incident #{incident_id} (md) to {target}" in notes(app), "the path as typed, not read as markup"
            (note,) = [n for n in app._notifications if str(n.message).startswith("exported")]
            assert note.markup is False, "the stored text alone is the same whether Textual reads it as markup or not"

    asyncio.run(scenario())
    assert target.read_text(encoding="utf-8").startswith("# ")
    assert not list(tmp_path.glob(".*partial*"))


def test_a_folder_that_cannot_be_written_is_one_line_and_the_room_goes_on(home, clock, tmp_path):
    incident_id = _worked(home, clock)
    locked = tmp_path / "locked"
    locked.mkdir()

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_room(app, pilot, incident_id)
            await _export(app, pilot, "2", str(locked / "x.html"))
            await pilot.press("enter")
            await until(pilot, lambda: any(n.startswith("not exported") for n in notes(app)), timeout=60, what="the refusal")
            (said,) = [n for n in notes(app) if n.startswith("not exported")]
            assert said.startswith(f"not exported: {locked / 'x.html'}: cannot write (") and said.endswith(")"), said
            assert "\n" not in said
            await _export(app, pilot, "2", str(tmp_path / "missing" / "x.html"))
            await pilot.press("enter")
            await until(pilot, lambda: any("does not exist" in n for n in notes(app)), what="the missing folder")

    with immutable(locked, otherwise="the missing folder case covers a refused place"):
        asyncio.run(scenario())
    assert not (locked / "x.html").exists()


def test_an_empty_path_is_refused_as_a_missing_file_not_a_missing_reason(home, clock):
    """Every required question said "A reason is required: it is logged as a decision." (of a path)."""
    incident_id = _worked(home, clock)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_room(app, pilot, incident_id)
            asked = await _export(app, pilot, "1", "")
            await pilot.press("enter")
            why = asked.query_one("#why")
            await until(pilot, lambda: str(why.render()), what="the refusal")
            assert str(why.render()) == "Name the file to write (esc cancels)." and app.screen is asked

    asyncio.run(scenario())
