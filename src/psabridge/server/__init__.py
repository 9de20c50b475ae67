"""The Django project: storage, services, tasks, web UI, REST API and the push webhook."""
