"""The handler registry: which events boardwatch acts on (all others are stored `ignored`)."""

from __future__ import annotations

from functools import partial

from service.handlers.boards import on_board_event
from service.handlers.issues import GONE, on_issue_event
from service.handlers.items import on_item_event
from service.handlers.push import on_push
from service.services import Services
from service.worker import HandlerRegistry

ISSUE_ACTIONS = (
    "opened",
    "edited",
    "reopened",
    "closed",
    "labeled",
    "unlabeled",
    "assigned",
    "unassigned",
    "transferred",
    "deleted",
)
COMMENT_ACTIONS = ("created", "edited", "deleted")
# Issue actions that carry no commands (only `opened` brings a body's commands) and no
# other news than "look again": several queued about one issue make one evaluation.
FOLDABLE_ISSUE_ACTIONS = tuple(a for a in ISSUE_ACTIONS if a not in ("opened", *GONE))
ITEM_ACTIONS = ("created", "edited", "archived", "restored", "converted", "deleted")
BOARD_ACTIONS = ("created", "edited", "closed", "reopened", "deleted")


def build_registry(services: Services) -> HandlerRegistry:
    registry = HandlerRegistry()
    registry.add(
        "issues",
        partial(on_issue_event, services),
        ISSUE_ACTIONS,
        foldable=FOLDABLE_ISSUE_ACTIONS,
    )
    registry.add("issue_comment", partial(on_issue_event, services), COMMENT_ACTIONS)
    registry.add(
        "projects_v2_item", partial(on_item_event, services), ITEM_ACTIONS, foldable=ITEM_ACTIONS
    )
    registry.add("projects_v2", partial(on_board_event, services), BOARD_ACTIONS)
    registry.add("push", partial(on_push, services))
    return registry
