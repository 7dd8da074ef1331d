"""A second implementation of keydir's wire formats and checks, written from
docs/record-format.md, docs/exchange.md and protobuf/*.proto alone.

Nothing here is generated from, or was written by reading, keydir's
TypeScript sources: every rule cites the section of the spec it comes from.
"""
