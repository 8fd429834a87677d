"""The handler registry: which events boardwatch acts on (all others are stored `ignored`)."""

from __future__ import annotations

from functools import partial

from service.handlers.boards import on_board_event
from service.handlers.installs import on_installation_event
from service.handlers.issues import GONE, on_issue_event
from service.handlers.items import on_item_event
from service.handlers.push import on_push
from service.handlers.review import on_review
from service.services import Services
from service.store.reviews import REVIEW_ACTION, REVIEW_EVENT
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
    "typed",  # GitHub's issue types: a rule asking for a type may now hold
    "untyped",
    "transferred",
    "deleted",
)
COMMENT_ACTIONS = ("created", "edited", "deleted")
# Issue actions that carry no commands (only `opened` brings a body's commands) and no
# other news than "look again": several queued about one issue make one evaluation.
FOLDABLE_ISSUE_ACTIONS = tuple(a for a in ISSUE_ACTIONS if a not in ("opened", *GONE))
# GitHub's dependencies and sub-issues, sent from the side of the issue whose counts changed
# (see `SUBJECT_ISSUE_OF_ACTION`): that issue is evaluated again.
DEPENDENCY_ACTIONS = ("blocked_by_added", "blocked_by_removed")
SUB_ISSUE_ACTIONS = ("sub_issue_added", "sub_issue_removed")
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
    for event, actions in (
        ("issue_dependencies", DEPENDENCY_ACTIONS),
        ("sub_issues", SUB_ISSUE_ACTIONS),
    ):
        registry.add(event, partial(on_issue_event, services), actions, foldable=actions)
    registry.add(
        "projects_v2_item", partial(on_item_event, services), ITEM_ACTIONS, foldable=ITEM_ACTIONS
    )
    registry.add("projects_v2", partial(on_board_event, services), BOARD_ACTIONS)
    registry.add("push", partial(on_push, services))
    # Scheduled re-evaluations; several due for one issue make one evaluation.
    registry.add(
        REVIEW_EVENT,
        partial(on_review, services),
        (REVIEW_ACTION,),
        foldable=(REVIEW_ACTION,),
        internal=True,
    )
    # Repositories the App can now see: a tracker naming a board is served from its first issue.
    registry.add("installation", partial(on_installation_event, services), ("created",))
    registry.add("installation_repositories", partial(on_installation_event, services), ("added",))
    return registry
