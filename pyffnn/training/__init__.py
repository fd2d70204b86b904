"""Training: the one loop (:mod:`.loop`), its callbacks, the optimizers over the flat buffer and target checks."""
