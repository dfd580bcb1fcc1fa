"""Excel audit forms: the same specs as .xlsx workbooks that read back like the Word forms.

    XlsxForm(spec).render(values, audit_id) -> bytes      one filled form per allocation row
    read_xlsx(path, library) -> AuditRecord               a returned form, in the JSON contract
"""
from .reader import read_xlsx
from .writer import XlsxForm

__all__ = ["XlsxForm", "read_xlsx"]
