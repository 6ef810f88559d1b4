"""The registrations pages."""
