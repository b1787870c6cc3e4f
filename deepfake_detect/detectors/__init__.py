"""The detector families: each module is one family (its config, its `Detector` subclass, its trainer), registered by entry point in `settings.ini`."""
