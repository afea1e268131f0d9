"""Bulk import machinery shared by every context: validated CSV reading and batch upserts."""
