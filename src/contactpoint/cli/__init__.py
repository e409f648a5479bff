"""The `contactpoint` command line."""
