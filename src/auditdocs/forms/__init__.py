"""The forms people fill in: Word (`forms.docx`) and Excel (`forms.xlsx`), each written and read
with one layout that says which cell holds which answer."""
