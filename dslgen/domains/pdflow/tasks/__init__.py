"""The pdflow task generator: features, phrasings and curriculum composition."""
