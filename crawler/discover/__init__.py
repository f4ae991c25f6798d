"""Discovery and URL parsing: feeds, sitemaps, links, listing pages, canonical URLs, scope, seeds, focus."""
