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


# --- Model backends (LLM analyst and voice) ------------------------------------------
# These are caught inside the engine: a failed model call makes the turn fall back to the
# offline engine, and the trace records the message in an engine_fallback event.


class ModelError(ElicitorError):
    """A model backend call failed or returned unusable output."""

    status_code = 502
    code = "model_error"
    # HTTP retries made before the call gave up, for the turn's trace.
    retries = 0


class ModelUnavailable(ModelError):
    """The endpoint could not be reached, timed out, was overloaded or its circuit is open."""

    status_code = 503
    code = "model_unavailable"


class ModelRequestRejected(ModelError):
    """The endpoint rejected the request (bad key, unknown model, unsupported option)."""

    code = "model_request_rejected"

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ModelOutputInvalid(ModelError):
    """The model replied, but the reply broke the schema or the one-question rule.

    ``str(error)`` is safe for logs and traces because it never quotes the reply.
    ``feedback`` may quote it and is only sent back to the model on the retry.
    """

    code = "model_output_invalid"

    def __init__(self, message: str, *, feedback: str | None = None) -> None:
        super().__init__(message)
        self.feedback = feedback or message


# --- End of model backends -----------------------------------------------------------
