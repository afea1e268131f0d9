"""The token ids and card numbers this server holds revoked.

None are stored yet: the wallet records revoked cards and tokens (a later step).
:func:`revoked_entries` is the one place a database-backed set plugs in; the clinic's
verification page and the published key document both read it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session


def revoked_entries(session: Session) -> frozenset[str]:
    """Revoked token ids (16 hexadecimal digits) and card numbers; none can exist yet."""
    return frozenset()
