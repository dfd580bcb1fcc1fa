"""Making the month's forms from the allocation list (`run`)."""
