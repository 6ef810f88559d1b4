"""The account pages: one's own password and second factor."""
