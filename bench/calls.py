"""GitHub calls per event type (reads, writes, reads answered 304), this release against another.

The same story runs twice in one sitting, each in its own process on a fresh service against
the fake GitHub: once on this checkout, once on a checkout of the previous release (by
default commit 1a991ee, unpacked with `git archive` into a temporary folder; nothing is
checked out in this repository). The story is this file's `story()`, which uses only what
both releases have, so the rows line up.

    .venv/bin/python -m bench calls [--before 1a991ee]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
ROOT = HERE.parents[1]
SECRET = "bench-secret"
REPO = "acme/tracker"


def story(root: Path) -> list[list[Any]]:
    """[label, event, reads, writes, answered 304] of each step, code imported from `root`."""
    sys.path.insert(0, str(root))  # ahead of the installed checkout
    import uuid
    from datetime import UTC, datetime, timedelta

    from fastapi.testclient import TestClient

    import service
    from service.app import create_app
    from service.compose import worker_for
    from service.engine.holder import RulesetHolder
    from service.gateway.accounting import ledger
    from service.gateway.factory import GatewayFactory
    from service.handlers import build_registry
    from service.reconcile import sweep
    from service.reports.digest import scheduled_digest
    from service.services import Services
    from service.settings import Settings
    from service.store import Store
    from tests.fakegithub import FakeGitHub
    from tests.support.webhooks import headers

    assert Path(service.__file__).is_relative_to(root), service.__file__
    ago = datetime.now(UTC) - timedelta(days=1)
    gh = FakeGitHub()
    gh.add_repo(REPO, collaborators={"alice": "write"})
    board = gh.add_board("acme", 1)
    in_order = gh.add_issue(
        REPO, title="T", labels=["type: blog"], assignees=["alice"], created_at=ago
    )
    gh.add_item(board, in_order, Status="Todo", Estimate=3)
    rows: list[list[Any]] = []
    with tempfile.TemporaryDirectory() as folder, gh.running():
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            **gh.env(),
            GITHUB_WEBHOOK_SECRET=SECRET,
            BOARDWATCH_DATABASE_URL=f"sqlite:///{folder}/calls.db",
            BOARDWATCH_PROJECT="acme/1",
            BOARDWATCH_REPOSITORY=REPO,
            BOARDWATCH_WORKERS=0,
            BOARDWATCH_RULES_DIR=str(root / "rules"),
            BOARDWATCH_SECRETS_FILE=f"{folder}/none.json",
        )
        store = Store.open(settings.database_url)
        services = Services(
            settings,
            store,
            RulesetHolder.load(settings.rules_dir),
            _gateways=GatewayFactory(settings),
        )
        registry = build_registry(services)
        worker = worker_for(services, registry)
        app = create_app(settings, services=services, registry=registry, start_worker=False)

        def cost(book: Any) -> list[Any]:
            return [book.reads, book.writes, getattr(book, "not_modified", 0)]

        with TestClient(app) as client:

            def send(label: str, event: str, payload: dict[str, Any]) -> None:
                body = json.dumps(payload).encode()
                delivery = str(uuid.uuid4())
                client.post(
                    "/webhook",
                    content=body,
                    headers=headers(body, event, delivery=delivery, secret=SECRET),
                )
                worker.run_until_idle()
                found = store.deliveries.get(delivery)
                github = (found.outcome or {}).get("github") if found else None
                if github is None:  # an event this release does not handle
                    rows.append([label, f"{event}.{payload.get('action')}", 0, 0, 0])
                    return
                rows.append(
                    [
                        label,
                        f"{event}.{payload.get('action')}",
                        github["reads"],
                        github["writes"],
                        github.get("not_modified", 0),
                    ]
                )

            send(
                "warm-up (learns the bot's login)",
                "issues",
                gh.webhook("issues", "edited", issue=in_order),
            )
            send("issue already in order", "issues", gh.webhook("issues", "edited", issue=in_order))
            fresh = gh.add_issue(REPO, title="New request", created_at=ago)
            send(
                "new request: to the board, needs-triage",
                "issues",
                gh.webhook("issues", "opened", issue=fresh),
            )
            send("same request edited again", "issues", gh.webhook("issues", "edited", issue=fresh))
            item = board.item_of(fresh)
            gh.set_value(board, item, "Status", "Todo")
            send(
                "Status set on the board (triage done)",
                "projects_v2_item",
                gh.webhook("projects_v2_item", "edited", item=(board, item), sender="alice"),
            )
            comment = gh.add_comment(fresh, "/estimate 3h")
            send(
                "`/estimate 3h` comment",
                "issue_comment",
                gh.webhook("issue_comment", "created", issue=fresh, comment=comment),
            )
            fresh.state, fresh.closed_at = "closed", datetime.now(UTC)
            send("issue closed: Status Done", "issues", gh.webhook("issues", "closed", issue=fresh))
            unseen = gh.add_issue(REPO, title="Older task", created_at=ago)
            command = gh.add_comment(unseen, "/estimate 2h")
            send(
                "`/estimate 2h` on an issue the bot has not seen",
                "issue_comment",
                gh.webhook("issue_comment", "created", issue=unseen, comment=command),
            )
            payload = gh.webhook(
                "projects_v2",
                "edited",
                projects_v2={
                    "id": 1,
                    "node_id": board.id,
                    "number": 1,
                    "title": board.title,
                    "owner": {"login": "acme", "type": "Organization"},
                },
            )
            send("board edited (ignored before)", "projects_v2", payload)

        sweep(services)
        report = sweep(services)  # counts its calls in a ledger of its own
        rows.append(["sweep of the converged tracker, again", "(schedule)", *cost(report)])
        at = datetime.now(UTC)
        for _ in range(2):
            scheduled_digest(services, "week", at)
        with ledger() as book:
            scheduled_digest(services, "week", at)
        rows.append(["weekly digest posted again, unchanged", "(schedule)", *cost(book)])
        store.close()
    return rows


def _unpack(commit: str, folder: Path) -> Path:
    """`commit`'s files in `folder`/prev, with the shared corpora beside it as here."""
    (folder / "shared").symlink_to((ROOT.parent / "shared").resolve())
    folder = folder / "prev"
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit], cwd=ROOT, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def _run(root: Path) -> list[list[Any]]:
    done = subprocess.run(
        [sys.executable, str(HERE), "--child", str(root)],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the story failed in {root}: {done.stderr[-3000:]}")
    rows: list[list[Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return rows


def main(argv: list[str]) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench calls")
    parser.add_argument("--before", default="1a991ee", help="commit of the previous release")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        return json.dumps(story(Path(options.child)))
    from bench.support import table

    with tempfile.TemporaryDirectory() as folder:
        before = _run(_unpack(options.before, Path(folder)))
    after = _run(ROOT)
    rows = [
        [a[0], a[1], b[2], a[2], b[4], a[4], b[3], a[3]] for b, a in zip(before, after, strict=True)
    ]
    return "\n".join(
        [
            f"before: {options.before}; after: this checkout",
            "",
            table(
                (
                    "step",
                    "event",
                    "reads before",
                    "reads after",
                    "of which 304 before",
                    "of which 304 after",
                    "writes before",
                    "writes after",
                ),
                rows,
            ),
        ]
    )


if __name__ == "__main__":
    print(main(sys.argv[1:]))
