"""Rendering in headless Chromium: when to render, the browser, its requests and its processes."""
