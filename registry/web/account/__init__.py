"""The account pages: what a logged-in user sets for themselves."""
