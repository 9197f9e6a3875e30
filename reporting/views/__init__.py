"""Pages of the reporting app (reporting/urls.py), one module per page."""
