"""Client-facing errors: each maps to a 4xx JSON body ``{"error", "message"}``."""

from __future__ import annotations


class InputError(Exception):
    """A problem with the request or the uploaded file (never retried by the caller)."""

    status_code = 400

    def __init__(self, code: str, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        if status_code is not None:
            self.status_code = status_code

    def to_dict(self) -> dict[str, str]:
        return {"error": self.code, "message": self.message}


class TooLargeError(InputError):
    status_code = 413
