"""No models: this module exists so Django sends this app `post_migrate` (it skips apps without
a models module), which writes the role's PostgreSQL defaults (boxerconnect/database.py)."""
