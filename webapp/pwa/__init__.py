"""The offline field app: manifest, service worker, app shell, and the outbox rescue import."""
