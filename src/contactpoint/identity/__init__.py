"""Identity: the child's record, its identifiers, and the normalisation of personal values."""
