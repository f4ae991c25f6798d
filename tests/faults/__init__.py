"""The fault table of the reliability notes, as crawls of misbehaving loopback servers."""
