from core.errors import ApplicationError


class ParseError(ApplicationError):
    """The document cannot be read or holds no numbered items; the message says why."""
