"""The forms that came back: reading them and saying what is missing (`read`)."""
