# syntax=registry.example/frontend:2
FROM busybox
RUN hostname
