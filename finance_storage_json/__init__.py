"""JSON file storage: each tenant's data as plain JSON files you can read, diff and back up.

Open it with a ``json://`` URL (``json:///relative/dir`` or
``json:////absolute/dir``); ``finance_storage_json.storage.JsonStorage`` is the
backend. This package's top level stays light: the plugin registers the
backend without importing the storage machinery.
"""
