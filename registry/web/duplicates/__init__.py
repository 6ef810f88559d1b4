"""The supervisor's review of suspected duplicates: merge, undo, or "not a duplicate"."""
