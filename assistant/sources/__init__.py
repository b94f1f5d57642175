"""Ways news gets into the library besides `assistant ingest FILES`: pages fetched by URL
(``fetch``), RSS/Atom feeds (``feeds``), watched folders (``files``), and the loop that keeps
feeds and folders current (``watch``)."""
