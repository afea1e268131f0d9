"""Users, roles and scopes; identity; the hash-chained audit log of personal-data access."""
