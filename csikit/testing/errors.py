"""The one error of csikit.testing."""


class HeadlessError(RuntimeError):
    """The page, the kernel or a widget did not behave as a participant expects."""
