"""The one domain error type. Services raise it; core.api maps it to HTTP."""


class ApplicationError(Exception):
    """A rule of the domain refused an operation; `message` is shown to the user."""

    status_code = 400

    def __init__(self, message: str, *, extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class NotFoundError(ApplicationError):
    """Absent, or outside what the user may see: the two are never told apart."""

    status_code = 404


class ForbiddenError(ApplicationError):
    """The user may see the object but not do this to it (a leader, another unit's item)."""

    status_code = 403
