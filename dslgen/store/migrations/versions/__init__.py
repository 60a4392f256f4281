"""One module per schema revision (alembic skips this file); setuptools ships the folder as a package."""
