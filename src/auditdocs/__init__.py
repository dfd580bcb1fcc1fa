"""auditdocs: case file audit forms for children's services quality assurance."""

__version__ = "0.1.0"
