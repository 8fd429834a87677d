"""A board's field definitions are read once and kept until an event says they changed.

GitHub sends no event when a field or option is added; a `projects_v2` event, or an item
edit naming a field or option the cached definitions lack, are what tell. The change is
recorded in the store, so every process (here: a second service on the same database) reads
the fields again on its next use of the board.
"""

from __future__ import annotations

from typing import Any

import pytest

from service.domain.models import Board, BoardField, FieldOption
from service.handlers.boards import names_unknown_field
from tests.fakegithub import FakeGitHub
from tests.fakegithub.state import Board as FakeBoard
from tests.fakegithub.state import Option
from tests.gateway.support import factory_for
from tests.support.apps import make_services
from tests.support.bot import Bot

REPO = "acme/tracker"


def _board_payload(board: FakeBoard) -> dict[str, Any]:
    return {
        "id": 1,
        "node_id": board.id,
        "number": board.number,
        "title": board.title,
        "owner": {"login": board.owner, "type": "Organization"},
    }


def _add_option(gh: FakeGitHub, board: FakeBoard, field: str, name: str) -> None:
    """Someone adds an option on github.com: GitHub sends no webhook for it."""
    target = board.field_named(field)
    assert target is not None
    target.options.append(Option(f"opt_{name.lower()}", name))


def _board_reads(gh: FakeGitHub, mark: int) -> int:
    return len(gh.graphql_calls(mark, "GetOrgBoard"))


def test_a_projects_v2_event_makes_every_process_read_the_fields_again(bot: Bot) -> None:
    gh, board = bot.gh, bot.gh.boards[0]
    issue = gh.add_issue(REPO, title="Launch plan")
    bot.send("issues", "edited", issue=issue)
    # A second process on the same database, with fields already read.
    other = make_services(bot.services.settings, bot.services.store, _gateways=factory_for(gh))
    other_gateway = other.gateways.for_installation(None)
    other_gateway.get_board("acme/1")

    _add_option(gh, board, "Status", "Review")
    mark = gh.mark()
    bot.send("issues", "edited", issue=issue)
    assert _board_reads(gh, mark) == 0  # nothing said the fields changed: kept

    mark = gh.mark()
    delivery = bot.send("projects_v2", "edited", projects_v2=_board_payload(board))
    assert delivery.outcome["board"] == "acme/1"
    assert delivery.outcome["github"]["reads"] == 0  # recording it costs no GitHub call
    bot.send("issues", "edited", issue=issue)
    assert _board_reads(gh, mark) == 1  # read again once, then kept

    status = other_gateway.get_board("acme/1").field("Status")
    assert status is not None and "Review" in [o.name for o in status.options]
    assert _board_reads(gh, mark) == 2


def test_an_item_edit_naming_an_unknown_option_refreshes_the_fields(bot: Bot) -> None:
    gh, board = bot.gh, bot.gh.boards[0]
    issue = gh.add_issue(REPO, title="Launch plan", body="Estimate: 3h")
    item = gh.add_item(board, issue, Status="Todo")
    bot.send("issues", "edited", issue=issue)
    _add_option(gh, board, "Status", "Review")
    gh.set_value(board, item, "Status", "Review")
    status = board.field_named("Status")
    assert status is not None
    changes = {
        "field_value": {
            "field_node_id": status.id,
            "field_type": "single_select",
            "to": {"id": "opt_review", "name": "Review"},
        }
    }
    mark = gh.mark()
    bot.send("projects_v2_item", "edited", item=(board, item), changes=changes)
    assert _board_reads(gh, mark) == 1
    mark = gh.mark()
    bot.send("projects_v2_item", "edited", item=(board, item), changes=changes)
    assert _board_reads(gh, mark) == 0  # known now


def test_without_any_event_the_fields_expire_after_the_ttl(tracker: Any) -> None:
    gh = tracker.gh
    gateway = factory_for(gh, BOARDWATCH_BOARD_FIELDS_TTL=1e-9).for_installation(None)
    gateway.get_board("acme/1")
    _add_option(gh, tracker.board, "Status", "Review")
    status = gateway.get_board("acme/1").field("Status")
    assert status is not None and "Review" in [o.name for o in status.options]


def _field(kind: str = "SINGLE_SELECT") -> BoardField:
    options = (FieldOption(id="o1", name="Todo"),) if kind == "SINGLE_SELECT" else ()
    return BoardField(id="F1", name="Status", data_type=kind, options=options)  # type: ignore[arg-type]


BOARD = Board(id="B", owner="acme", number=1, title="t", fields=(_field(),))


@pytest.mark.parametrize(
    ("changes", "unknown"),
    [
        (None, False),
        ({}, False),
        ({"title": {"from": "a"}}, False),
        ({"field_value": {"field_node_id": "F1", "field_type": "single_select"}}, False),
        ({"field_value": {"field_node_id": "F1", "to": {"id": "o1", "name": "Todo"}}}, False),
        ({"field_value": {"field_node_id": "F1", "to": {"id": "o2", "name": "New"}}}, True),
        ({"field_value": {"field_node_id": "F1", "to": None}}, False),  # cleared
        ({"field_value": {"field_node_id": "F9", "field_type": "number"}}, True),
        ({"field_value": "not an object"}, False),
    ],
)
def test_which_item_edits_name_an_unknown_field(changes: Any, unknown: bool) -> None:
    assert names_unknown_field(BOARD, changes) is unknown
