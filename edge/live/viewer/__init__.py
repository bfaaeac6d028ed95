"""``edge view``: a web page that shows a running service's results live.

The server subscribes to the service's PUB socket and pushes what a microscopist looks at to
every open page over a WebSocket (``server``); the page itself is plain HTML, CSS and JavaScript
with no build step and nothing fetched from the internet (``static/``).
"""
