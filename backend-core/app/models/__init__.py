"""All ORM models, imported here so `Base.metadata` knows every table.

Other modules add their own model modules and one import line in their section below.
"""

from app.models.activity import Activity
from app.models.base import Base
from app.models.finance import CategoryKeyword, Transaction
from app.models.receipts import Receipt, ReceiptItem, ReceiptJob

__all__ = [
    "Activity",
    "Base",
    "CategoryKeyword",
    "Receipt",
    "ReceiptItem",
    "ReceiptJob",
    "Transaction",
]

# --- health models (owned by the health engineer) ----------------------------------------
from app.models.health import (
    GoogleCredential,
    HealthProviderSwitch,
    HealthSyncState,
    OAuthPendingState,
)

__all__ += ["GoogleCredential", "HealthProviderSwitch", "HealthSyncState", "OAuthPendingState"]
