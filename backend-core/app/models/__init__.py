"""All ORM models, imported here so `Base.metadata` knows every table."""

from app.models.activity import Activity
from app.models.base import Base
from app.models.finance import CategoryKeyword, Transaction
from app.models.health import (
    GoogleCredential,
    HealthProviderSwitch,
    HealthSyncState,
    OAuthPendingState,
)
from app.models.receipts import Receipt, ReceiptItem, ReceiptJob

__all__ = [
    "Activity",
    "Base",
    "CategoryKeyword",
    "GoogleCredential",
    "HealthProviderSwitch",
    "HealthSyncState",
    "OAuthPendingState",
    "Receipt",
    "ReceiptItem",
    "ReceiptJob",
    "Transaction",
]
