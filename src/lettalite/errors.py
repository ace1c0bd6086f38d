"""The few errors services raise; `api.errors` maps each class to one HTTP status."""


class LettaliteError(Exception):
    """Base class: the message is the `detail` shown to the client."""

    # Extra response headers, e.g. retry guidance for the SDKs.
    headers: dict[str, str] = {}

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def body(self) -> dict[str, object]:
        """The JSON response body."""
        return {"detail": self.detail}


class Unauthorized(LettaliteError):
    """401: the credentials are missing, wrong, expired or revoked."""


class Forbidden(LettaliteError):
    """403: the credentials are good but do not allow this request (a scoped token)."""


class NotFound(LettaliteError):
    """404: a referenced agent, block, tool, message or model does not exist."""


class Conflict(LettaliteError):
    """409: the request collides with existing state (e.g. a duplicate block label)."""


class ConcurrentEdit(Conflict):
    """409: a row changed under a write that was based on an older read."""


class PreconditionFailed(LettaliteError):
    """412: the client's `If-Match` names a version that is no longer current."""


class UnprocessableValue(LettaliteError):
    """422: a value the schema allows but the server refuses (over its block's limit, a
    callback to a private address); the detail names the field, like a validation error's."""


class InvalidArgument(LettaliteError):
    """400: the request is well-formed but asks for something that cannot be done."""


class UnsupportedMediaType(LettaliteError):
    """415: an upload of a file type the server cannot read."""


class LLMProviderError(LettaliteError):
    """502: the model provider failed; the turn ended with `llm_api_error`."""


class McpConnectionError(LettaliteError):
    """502: an MCP server could not be reached (Letta's `mcp_connection_error` body)."""

    def body(self) -> dict[str, object]:
        return {
            "error": {
                "type": "mcp_connection_error",
                "message": "Failed to connect to MCP server.",
                "detail": self.detail,
            },
            "detail": self.detail,
        }
