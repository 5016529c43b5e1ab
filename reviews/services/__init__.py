"""Multi-row writes of the reviews app: keyword-only functions named ``<entity>_<action>``."""
