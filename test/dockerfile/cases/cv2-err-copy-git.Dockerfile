FROM busybox
COPY https://example.com/r.git /x
