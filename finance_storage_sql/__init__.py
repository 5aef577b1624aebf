"""placeholder package; see its plugin module."""
