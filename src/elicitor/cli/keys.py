"""``elicitor keys``: create, list and revoke requester API keys."""

from __future__ import annotations

from typing import Any

import click


def _web_store(app: Any) -> Any:
    from elicitor.store.web_store import WebStore

    return WebStore(app.store)


@click.group()
def keys() -> None:
    """Requester API keys (used for the JSON API and to log in to the pages)."""


@keys.command("create")
@click.option("--label", default="", help="What the key is for, e.g. 'CI' or a person's name.")
@click.pass_obj
def create(app: Any, label: str) -> None:
    """Create a key and print it once; only its hash is stored."""
    key, token = _web_store(app).create_api_key(label)
    click.echo(f"Created key {key.id} ({key.label}). It is shown only once; store it now:")
    click.echo(token)


@keys.command("list")
@click.pass_obj
def list_keys(app: Any) -> None:
    """List keys with their status; the keys themselves are never shown again."""
    records = _web_store(app).list_api_keys()
    if not records:
        click.echo("No keys yet. Create one with: elicitor keys create --label NAME")
        return
    click.echo(f"{'ID':12} {'PREFIX':12} {'STATUS':8} {'CREATED':20} {'LAST USED':20} LABEL")
    for key in records:
        status = "active" if key.active else "revoked"
        last = (key.last_used_at or "never")[:19]
        click.echo(
            f"{key.id:12} {key.prefix:12} {status:8} {key.created_at[:19]:20} {last:20} {key.label}"
        )


@keys.command("revoke")
@click.argument("key_id")
@click.pass_obj
def revoke(app: Any, key_id: str) -> None:
    """Revoke a key at once; web logins made with it end too."""
    key = _web_store(app).revoke_api_key(key_id)
    click.echo(f"Revoked key {key.id} ({key.label}).")


def register(root: click.Group) -> None:
    root.add_command(keys)
