"""The Streamlit dashboard's layout code (pages, charts, strings, cached loaders).

Everything that computes lives in `diagnose/`; this package only lays out.
"""
