"""galaxy-grader: grade JAX galaxy-classifier notebooks by what they do."""
__version__ = "0.1.0"
