"""Frame sources behind one small interface (Picamera2, OpenCV webcams, files, URLs)."""
