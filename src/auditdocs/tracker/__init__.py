"""The tracker workbook, written from the register (design: see below)."""
