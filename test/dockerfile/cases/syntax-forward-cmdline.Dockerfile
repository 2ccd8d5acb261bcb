# syntax=registry.example/tsfrontend:latest
FROM busybox
RUN echo built-here
