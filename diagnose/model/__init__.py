"""The reason classifier: text normalisation, features, the model file, tagging a table.

``text`` → ``features`` → ``reason_model`` (fit, save, load without pickle) →
``classify`` (a canonical table in, the tagged table out); ``baseline`` is the
keyword yardstick and ``training`` rebuilds and measures the shipped model.
"""
