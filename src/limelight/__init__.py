"""limelight: a multilingual media-presence and reputation monitor."""

__version__ = "0.1.0"
