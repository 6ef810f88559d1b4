"""A case's household after registration: members added or split off, protection needs, documents, photos, priority."""
