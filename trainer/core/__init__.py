"""The domain core: plain Python, no Flask, SQLAlchemy or WTForms (a test checks it)."""
