"""Live defect analysis for electron-microscope frames."""

__version__ = "0.1.0"
