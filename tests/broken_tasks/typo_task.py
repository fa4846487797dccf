import no_such_module  # noqa: F401  (a task module with a typo in an import)
