"""Loading feeds into the index: `ingest`, the feeds API, the first national load.

Above the feed format (`feeds`: reading and checking rows) and the matcher
(`matching`), which it uses to place each record: `placing` is the core every load
shares, with no Django in it; `loader` its database store and `ingest`; `initial` the
first load in bulk; `upload` a feed sent over the API; `sources` a source's settings.
"""
