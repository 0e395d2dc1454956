"""Errors of the health module that callers turn into clear messages (CLI) or 4xx (API)."""


class HealthError(Exception):
    """Base class; the message is meant for the user."""


class HealthConfigError(HealthError):
    """A required setting (client id, encryption key, ...) is missing or invalid."""


class ImportFileError(HealthError):
    """The given file is not the export it should be (or is unreadable)."""


class AuthorizationError(HealthError):
    """No usable Google grant: missing, revoked, or an OAuth callback that does not match."""
