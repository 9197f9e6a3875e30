"""Letters are deliberately not in the Django admin.

The admin reads across schools with unscoped querysets (every letter model raises
ScopeError without a school in scope), and it would let a row be edited or deleted
outside the services that keep template versions and issued letters immutable. Staff use
the letters pages under /<school>/letters/.
"""
