"""The audit pages: a case's access history (supervisors) and the log's search (administrators)."""
