def read_xlsx(path, library): raise NotImplementedError
