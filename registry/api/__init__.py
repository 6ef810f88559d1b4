"""The JSON API under /api/v1, for partner systems and field devices (docs/api.md)."""
