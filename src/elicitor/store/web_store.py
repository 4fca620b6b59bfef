"""Storage for the web service: requester API keys, participant links and web logins.

Every secret handed out here (an API key, a link token, a login cookie) comes from
``secrets.token_urlsafe(32)``, which gives 256 random bits. Only its SHA-256 hex digest is
stored, so a copy of the database does not let anyone act as a requester or a participant.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import delete, func, insert, select, update

from elicitor.errors import InvalidInput, NotFound
from elicitor.session.events import utc_now
from elicitor.store import tables
from elicitor.store.store import Store

log = logging.getLogger(__name__)

API_KEY_PREFIX = "elk_"
LinkKind = Literal["personal", "intake"]
LINK_KINDS: tuple[str, ...] = ("personal", "intake")
# last_used_at is written at most this often per key, so reads stay reads under load.
KEY_TOUCH_INTERVAL = timedelta(minutes=5)


def hash_secret(token: str) -> str:
    """Return the SHA-256 hex digest under which a secret token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value)


def format_time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class ApiKey:
    id: str
    label: str
    prefix: str
    created_at: str
    last_used_at: str | None
    revoked_at: str | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class Link:
    """A participant link. ``form_token`` guards the participant's HTML forms against CSRF."""

    id: str
    kind: str
    label: str
    briefing_pk: int
    session_id: str | None
    parent_id: str | None
    form_token: str
    created_at: str
    expires_at: str | None
    revoked_at: str | None

    def status(self, now: datetime | None = None) -> str:
        """Return 'revoked', 'expired' or 'active'."""
        if self.revoked_at is not None:
            return "revoked"
        expires = parse_time(self.expires_at)
        if expires is not None and expires <= (now or datetime.now(UTC)):
            return "expired"
        return "active"

    @property
    def usable(self) -> bool:
        return self.status() == "active"


@dataclass(frozen=True)
class WebLogin:
    key_id: str
    csrf_token: str
    expires_at: str


class WebStore:
    """Keys, links and logins on top of an open :class:`Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.engine = store.engine
        # Shares the store's lock, so SQLite has one writer per process as the store expects.
        self._write_lock = store._write_lock

    # -- requester API keys ----------------------------------------------------------------

    def create_api_key(self, label: str = "") -> tuple[ApiKey, str]:
        """Create a key and return it with its token, which is not stored and shown once."""
        token = API_KEY_PREFIX + secrets.token_urlsafe(32)
        key = ApiKey(
            id="k-" + secrets.token_hex(4),
            label=label.strip()[:200] or "requester",
            prefix=token[:10],
            created_at=utc_now(),
            last_used_at=None,
            revoked_at=None,
        )
        with self._write_lock, self.engine.begin() as conn:
            conn.execute(
                insert(tables.api_keys).values(
                    id=key.id,
                    label=key.label,
                    token_hash=hash_secret(token),
                    prefix=key.prefix,
                    created_at=key.created_at,
                )
            )
        log.info("API key %s created", key.id)
        return key, token

    def list_api_keys(self) -> list[ApiKey]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(tables.api_keys).order_by(tables.api_keys.c.created_at)
            ).all()
        return [_api_key(row) for row in rows]

    def count_active_api_keys(self) -> int:
        query = (
            select(func.count())
            .select_from(tables.api_keys)
            .where(tables.api_keys.c.revoked_at.is_(None))
        )
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def get_api_key(self, key_id: str) -> ApiKey:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(tables.api_keys).where(tables.api_keys.c.id == key_id)
            ).first()
        if row is None:
            raise NotFound(f"API key {key_id!r} not found; list keys with `elicitor keys list`")
        return _api_key(row)

    def revoke_api_key(self, key_id: str) -> ApiKey:
        """Revoke a key and end every web login made with it."""
        key = self.get_api_key(key_id)
        if not key.active:
            return key
        with self._write_lock, self.engine.begin() as conn:
            conn.execute(
                update(tables.api_keys)
                .where(tables.api_keys.c.id == key_id)
                .values(revoked_at=utc_now())
            )
            conn.execute(delete(tables.web_logins).where(tables.web_logins.c.key_id == key_id))
        log.info("API key %s revoked", key_id)
        return self.get_api_key(key_id)

    def verify_api_key(self, token: str) -> ApiKey | None:
        """Return the active key for ``token``, or None when it is unknown or revoked."""
        if not token.startswith(API_KEY_PREFIX):
            return None
        with self.engine.connect() as conn:
            row = conn.execute(
                select(tables.api_keys).where(tables.api_keys.c.token_hash == hash_secret(token))
            ).first()
        if row is None or row.revoked_at is not None:
            return None
        key = _api_key(row)
        self._touch_key(key)
        return key

    def _touch_key(self, key: ApiKey) -> None:
        last = parse_time(key.last_used_at)
        now = datetime.now(UTC)
        if last is not None and now - last < KEY_TOUCH_INTERVAL:
            return
        with self._write_lock, self.engine.begin() as conn:
            conn.execute(
                update(tables.api_keys)
                .where(tables.api_keys.c.id == key.id)
                .values(last_used_at=format_time(now))
            )

    # -- web logins ------------------------------------------------------------------------

    def create_login(self, key: ApiKey, *, hours: float) -> tuple[str, WebLogin]:
        """Start a web login for ``key``; return the cookie value (stored hashed) and the row."""
        cookie = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        login = WebLogin(
            key_id=key.id,
            csrf_token=secrets.token_urlsafe(32),
            expires_at=format_time(now + timedelta(hours=hours)),
        )
        with self._write_lock, self.engine.begin() as conn:
            conn.execute(
                delete(tables.web_logins).where(tables.web_logins.c.expires_at < format_time(now))
            )
            conn.execute(
                insert(tables.web_logins).values(
                    id_hash=hash_secret(cookie),
                    key_id=key.id,
                    csrf_token=login.csrf_token,
                    created_at=format_time(now),
                    expires_at=login.expires_at,
                )
            )
        log.info("web login started with API key %s", key.id)
        return cookie, login

    def get_login(self, cookie: str) -> WebLogin | None:
        """Return the login for a cookie value, or None when unknown, expired or revoked."""
        query = (
            select(tables.web_logins, tables.api_keys.c.revoked_at)
            .join(tables.api_keys, tables.api_keys.c.id == tables.web_logins.c.key_id)
            .where(tables.web_logins.c.id_hash == hash_secret(cookie))
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None or row.revoked_at is not None:
            return None
        expires = parse_time(row.expires_at)
        if expires is None or expires <= datetime.now(UTC):
            return None
        return WebLogin(key_id=row.key_id, csrf_token=row.csrf_token, expires_at=row.expires_at)

    def delete_login(self, cookie: str) -> None:
        with self._write_lock, self.engine.begin() as conn:
            conn.execute(
                delete(tables.web_logins).where(tables.web_logins.c.id_hash == hash_secret(cookie))
            )

    # -- participant links -----------------------------------------------------------------

    def create_link(
        self,
        briefing_pk: int,
        *,
        kind: str = "personal",
        label: str = "",
        expires_at: str | None = None,
        session_id: str | None = None,
        parent_id: str | None = None,
    ) -> tuple[Link, str]:
        """Create a link and return it with its token, which is not stored and shown once."""
        if kind not in LINK_KINDS:
            raise InvalidInput(f"link kind {kind!r} is not valid; use personal or intake")
        self.store.get_briefing(briefing_pk)
        token = secrets.token_urlsafe(32)
        link = Link(
            id="l-" + secrets.token_hex(6),
            kind=kind,
            label=label.strip()[:200],
            briefing_pk=briefing_pk,
            session_id=session_id,
            parent_id=parent_id,
            form_token=secrets.token_urlsafe(24),
            created_at=utc_now(),
            expires_at=expires_at,
            revoked_at=None,
        )
        with self._write_lock, self.engine.begin() as conn:
            conn.execute(
                insert(tables.links).values(token_hash=hash_secret(token), **_link_values(link))
            )
        log.info("link %s (%s) created for briefing %s", link.id, kind, briefing_pk)
        return link, token

    def find_link(self, token: str) -> Link | None:
        """Return the link for ``token`` in any state, or None when the token is unknown."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(tables.links).where(tables.links.c.token_hash == hash_secret(token))
            ).first()
        return None if row is None else _link(row)

    def get_link(self, link_id: str) -> Link:
        with self.engine.connect() as conn:
            row = conn.execute(select(tables.links).where(tables.links.c.id == link_id)).first()
        if row is None:
            raise NotFound(f"link {link_id!r} not found; list links with GET /api/v1/links")
        return _link(row)

    def list_links(self, *, briefing_pks: list[int] | None = None) -> list[Link]:
        query = select(tables.links).order_by(tables.links.c.created_at)
        if briefing_pks is not None:
            query = query.where(tables.links.c.briefing_pk.in_(briefing_pks))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [_link(row) for row in rows]

    def links_for_session(self, session_id: str) -> list[Link]:
        query = (
            select(tables.links)
            .where(tables.links.c.session_id == session_id)
            .order_by(tables.links.c.created_at)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [_link(row) for row in rows]

    def revoke_link(self, link_id: str) -> Link:
        link = self.get_link(link_id)
        if link.revoked_at is not None:
            return link
        with self._write_lock, self.engine.begin() as conn:
            conn.execute(
                update(tables.links)
                .where(tables.links.c.id == link_id)
                .values(revoked_at=utc_now())
            )
        log.info("link %s revoked", link_id)
        return self.get_link(link_id)

    def reissue_link(self, link_id: str, *, expires_at: str | None) -> tuple[Link, str]:
        """Revoke a link and create its replacement, which continues the same session."""
        old = self.revoke_link(link_id)
        return self.create_link(
            old.briefing_pk,
            kind=old.kind,
            label=old.label,
            expires_at=expires_at,
            session_id=old.session_id,
            parent_id=old.parent_id,
        )

    def attach_session(self, link_id: str, session_id: str) -> bool:
        """Point a personal link at its session; False when another request did so first."""
        with self._write_lock, self.engine.begin() as conn:
            result = conn.execute(
                update(tables.links)
                .where(tables.links.c.id == link_id)
                .where(tables.links.c.session_id.is_(None))
                .values(session_id=session_id)
            )
        return result.rowcount == 1

    def discard_unattached_session(self, session_id: str) -> None:
        """Delete a session that lost the race to attach to a link before anyone saw it."""
        with self._write_lock, self.engine.begin() as conn:
            conn.execute(delete(tables.events).where(tables.events.c.session_id == session_id))
            conn.execute(delete(tables.sessions).where(tables.sessions.c.id == session_id))
        log.info(
            "session %s discarded: its link had been started by a concurrent request", session_id
        )


def _api_key(row: Any) -> ApiKey:
    return ApiKey(
        id=row.id,
        label=row.label,
        prefix=row.prefix,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


def _link(row: Any) -> Link:
    return Link(
        id=row.id,
        kind=row.kind,
        label=row.label,
        briefing_pk=row.briefing_pk,
        session_id=row.session_id,
        parent_id=row.parent_id,
        form_token=row.form_token,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


def _link_values(link: Link) -> dict[str, Any]:
    return {
        "id": link.id,
        "kind": link.kind,
        "label": link.label,
        "briefing_pk": link.briefing_pk,
        "session_id": link.session_id,
        "parent_id": link.parent_id,
        "form_token": link.form_token,
        "created_at": link.created_at,
        "expires_at": link.expires_at,
        "revoked_at": link.revoked_at,
    }
