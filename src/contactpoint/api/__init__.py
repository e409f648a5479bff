"""The JSON API at /api/v1/ (docs/api.md): bearer tokens, one permission per operation,
errors as application/problem+json."""
