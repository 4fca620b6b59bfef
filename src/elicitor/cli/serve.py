"""``elicitor serve``: run the web service (API and pages) on uvicorn."""

from __future__ import annotations

import logging
from typing import Any

import click

log = logging.getLogger(__name__)


def ensure_first_key(app: Any) -> str | None:
    """Create a requester key when the store has none; return its token (shown once)."""
    from elicitor.store.web_store import WebStore

    web_store = WebStore(app.store)
    if web_store.list_api_keys():
        return None
    _key, token = web_store.create_api_key("first key")
    return token


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="TCP port to listen on.")
@click.pass_obj
def serve(app: Any, host: str, port: int) -> None:
    """Serve the requester pages, participant links and the JSON API (/api/v1).

    On first start against an empty store this prints a requester key once; keep it,
    because only its hash is stored.
    """
    import uvicorn

    from elicitor.web.app import create_app

    address = f"http://{host}:{port}"
    token = ensure_first_key(app)
    if token is not None:
        click.echo("Created the first requester key. It is shown only once; store it now:")
        click.echo(f"\n    {token}\n")
        click.echo(f"Open {address}/login and paste it. Manage keys with `elicitor keys`.")
    web_app = create_app(app.settings, store=app.store, interviewer=app.interviewer)
    click.echo(f"Elicitor is listening on {address} (Ctrl-C stops it)")
    # uvicorn's access log would print participant link tokens, which sit in the URL path;
    # the app logs requests itself with tokens redacted.
    uvicorn.run(web_app, host=host, port=port, access_log=False, log_level="info")


def register(root: click.Group) -> None:
    root.add_command(serve)
