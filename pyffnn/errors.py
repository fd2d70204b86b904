"""Exceptions raised by pyffnn.  All are ``ValueError`` subclasses so generic handlers keep working."""


class FFNNError(ValueError):
    """Bad input to pyffnn: a shape, value, name or size that is not what was expected."""


class ModelFileError(FFNNError):
    """A model file is missing, truncated, corrupt, or not a pyffnn model."""


class TrainingDiverged(FFNNError):
    """The training loss became NaN or infinite.  The network keeps its last finite weights."""
