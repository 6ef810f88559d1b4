"""The supervisors' dashboard."""
