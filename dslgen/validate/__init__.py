"""Validating files on disk: finding scripts, reading them safely, and rendering reports."""
