"""Database plumbing under every domain: how each engine differs (`dialect`), fast bulk
writes (`bulk`), SQLite's log checkpointed on a thread during loads (`checkpoints`), and
fewer garbage collections while a load runs (`gcpolicy`). Nothing here knows a domain's
models: callers pass them in."""
