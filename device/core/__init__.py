"""The bottom floor: settings, events, the store, errors and the shared vocabularies; it imports nothing above it."""
