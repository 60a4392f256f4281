"""Corpus building: tasks → validated positives, labelled negatives, repair pairs, splits, stats."""
