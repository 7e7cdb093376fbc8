"""API tokens: named, scoped, expiring, and stored only as a digest (docs/security.md, "Tokens").

An app of its own (label `tokens`) so that its tables and migrations stand apart from the
claims record. django-rest-knox makes and hashes the secrets and reads the Authorization
header; this package adds the name, the scope, the last use, and the rules around them.
"""
