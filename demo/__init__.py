"""The demo trust (`manage.py seed_demo`). May import every app; nothing imports it."""
