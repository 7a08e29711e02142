"""The bundled sample council information system: generated minutes PDFs behind a small OParl 1.1 server."""
