"""Errors of the health module that callers turn into clear messages (CLI) or 4xx (API)."""


class HealthError(Exception):
    """Base class; the message is meant for the user."""


class HealthConfigError(HealthError):
    """A required setting (client id, encryption key, ...) is missing or invalid."""


class ImportFileError(HealthError):
    """The given file is not the export it should be (or is unreadable)."""


class AuthorizationError(HealthError):
    """No usable Google grant: missing, revoked, or an OAuth callback that does not match."""


class MissingScopeError(AuthorizationError):
    """Google answered 403: the stored grant lacks the scope a data type needs."""

    def __init__(self, provider: str, data_type: str, scopes: list[str], detail: str = "") -> None:
        self.provider, self.data_type, self.scopes = provider, data_type, scopes
        super().__init__(
            f"Google refused {data_type} (403{': ' + detail if detail else ''}): the {provider} "
            f"grant lacks the scope {' or '.join(scopes)}; authorize again via "
            f"/api/v1/google/auth/start?provider={provider} and allow that access"
        )


class ProviderShutDownError(HealthError):
    """Google Fit answered that its API is switched off (HEALTH_PROVIDER=auto moves on)."""


class SyncBusyError(HealthError):
    """Another core (or command) is running a health sync right now."""
