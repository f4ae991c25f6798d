"""Bundled demo-web content (JSON); a package only so that installs ship the files."""
