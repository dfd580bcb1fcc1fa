"""The monthly audit report: figures from the register, a Word report with charts, an Excel dashboard."""
