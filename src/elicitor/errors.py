"""The domain's exception tree.

Each class says who must act. The web layer maps them to HTTP status codes in one place and
the CLI maps them to exit codes, so messages are written once, here and at the raise site.
"""

from __future__ import annotations


class ElicitorError(Exception):
    """Base class. The message names what failed, the value and the next step."""

    status_code = 500
    code = "internal_error"


class InvalidInput(ElicitorError):
    """The caller sent something that cannot be used as it is."""

    status_code = 422
    code = "invalid"


class BriefingInvalid(InvalidInput):
    """A briefing file or payload failed validation."""

    code = "briefing_invalid"

    def __init__(self, message: str, *, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


class NotFound(ElicitorError):
    """Unknown id, or a link that is unknown, revoked or expired (deliberately alike)."""

    status_code = 404
    code = "not_found"


class Conflict(ElicitorError):
    """The write lost a race or does not fit the session's current state."""

    status_code = 409
    code = "conflict"


class TooLarge(InvalidInput):
    """An answer or upload is over a size limit."""

    status_code = 413
    code = "too_large"


class Unauthorized(ElicitorError):
    """Missing or bad credentials."""

    status_code = 401
    code = "unauthorized"


class Forbidden(ElicitorError):
    """Authenticated, but not allowed to do this."""

    status_code = 403
    code = "forbidden"


class RateLimited(ElicitorError):
    """Too many requests for one link or key."""

    status_code = 429
    code = "rate_limited"


class TraceTampered(ElicitorError):
    """A stored event does not match the hash chain."""

    code = "trace_tampered"


class ConfigurationError(ElicitorError):
    """A setting is missing or wrong; the operator must fix the environment."""

    code = "configuration_error"
