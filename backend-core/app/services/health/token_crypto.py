"""Fernet encryption of OAuth secrets at rest, keyed by TOKEN_ENCRYPTION_KEY."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken

from app.services.health.errors import HealthConfigError


class TokenCipher:
    def __init__(self, key: str) -> None:
        if not key:
            raise HealthConfigError(
                "TOKEN_ENCRYPTION_KEY is not set; generate one with `python -c "
                '"from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"`'
            )
        try:
            self._fernet = Fernet(key.encode())
        except ValueError as exc:
            raise HealthConfigError(
                "TOKEN_ENCRYPTION_KEY is not a valid Fernet key (32 url-safe base64 bytes)"
            ) from exc

    def encrypt(self, text: str) -> bytes:
        return self._fernet.encrypt(text.encode())

    def decrypt(self, blob: bytes) -> str:
        try:
            return self._fernet.decrypt(bytes(blob)).decode()
        except InvalidToken as exc:
            raise HealthConfigError(
                "stored Google credentials cannot be decrypted: TOKEN_ENCRYPTION_KEY changed? "
                "Authorize again."
            ) from exc
