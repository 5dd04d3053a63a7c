"""The households data: accounts with their sign-ins, and each members favorites (SQLite, via the store)."""
