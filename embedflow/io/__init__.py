"""Reading and writing files: tables, image folders, workflow files, atomic writes, downloads, user folders."""
