FROM busybox
COPY https://example.com/file /x
