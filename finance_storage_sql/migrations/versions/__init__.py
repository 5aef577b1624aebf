"""Alembic revision scripts, oldest first; Alembic finds them by their revision ids."""
