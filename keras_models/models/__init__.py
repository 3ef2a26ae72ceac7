"""Model builders. Each is registered by name in `keras_models.registry`."""
