"""The verbs of the command line, one module each with a keyword-only main(...)."""
