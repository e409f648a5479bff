"""A child's record over its life in the index: archived at 18, purged six years later."""
