"""Web tables and their store: migrations, keys, logins and links on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

from elicitor.briefing.loader import load_template
from elicitor.session.service import Interviewer
from elicitor.store.store import Store
from elicitor.store.web_store import WebStore, hash_secret

WEB_TABLES = {"api_keys", "links", "web_logins"}


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = Store(db_url)
    yield opened
    opened.close()


def _alembic(store: Store, target: str, *, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(resources.files("elicitor.store") / "migrations"))
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        if down:
            command.downgrade(config, target)
        else:
            command.upgrade(config, target)


def test_migration_creates_tables(store: Store) -> None:
    names = set(inspect(store.engine).get_table_names())
    assert names >= WEB_TABLES
    with store.engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert version >= "0002"


def test_migration_down_and_up(store: Store) -> None:
    _alembic(store, "0001", down=True)
    assert not WEB_TABLES & set(inspect(store.engine).get_table_names())
    _alembic(store, "head")
    assert set(inspect(store.engine).get_table_names()) >= WEB_TABLES


def test_key_verify_and_revoke(store: Store) -> None:
    web = WebStore(store)
    key, token = web.create_api_key("ci")
    assert token.startswith("elk_")
    verified = web.verify_api_key(token)
    assert verified is not None
    assert verified.id == key.id
    web.revoke_api_key(key.id)
    assert web.verify_api_key(token) is None


def test_key_touch_records_use(store: Store) -> None:
    web = WebStore(store)
    key, token = web.create_api_key()
    web.verify_api_key(token)
    assert web.get_api_key(key.id).last_used_at is not None


def test_expired_login_is_none(store: Store) -> None:
    web = WebStore(store)
    key, _token = web.create_api_key()
    cookie, _login = web.create_login(key, hours=-1)
    assert web.get_login(cookie) is None


def test_revoking_key_ends_login(store: Store) -> None:
    web = WebStore(store)
    key, _token = web.create_api_key()
    cookie, login = web.create_login(key, hours=1)
    assert web.get_login(cookie) == login
    web.revoke_api_key(key.id)
    assert web.get_login(cookie) is None


def test_link_found_by_token_only(store: Store) -> None:
    web = WebStore(store)
    record = store.save_briefing(load_template("bug-triage"))
    link, token = web.create_link(record.pk, label="Pat")
    assert web.find_link(token) == link
    assert web.find_link(hash_secret(token)) is None


def test_attach_session_once(store: Store) -> None:
    web = WebStore(store)
    record = store.save_briefing(load_template("bug-triage"))
    link, _token = web.create_link(record.pk)
    interviewer = Interviewer(store)
    first, _prompt = interviewer.start(record, link_id=link.id)
    second, _prompt = interviewer.start(record, link_id=link.id)
    assert web.attach_session(link.id, first) is True
    assert web.attach_session(link.id, second) is False
    web.discard_unattached_session(second)
    assert [session.id for session in store.list_sessions()] == [first]


def test_reissue_keeps_session(store: Store) -> None:
    web = WebStore(store)
    record = store.save_briefing(load_template("bug-triage"))
    link, old_token = web.create_link(record.pk)
    session_id, _prompt = Interviewer(store).start(record, link_id=link.id)
    web.attach_session(link.id, session_id)
    new_link, new_token = web.reissue_link(link.id, expires_at=None)
    assert new_link.session_id == session_id
    assert web.find_link(old_token).status() == "revoked"
    assert web.find_link(new_token).status() == "active"
