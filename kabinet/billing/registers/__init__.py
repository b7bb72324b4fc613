"""Bank payment registers: reading the files (reading.py, parsing.py), one module per
format (sber.py, vtb.py, columns.py: the CSV format and the configured ones), the import
(services.py) and its reads (selectors.py). docs/registers.md tells the rules."""
