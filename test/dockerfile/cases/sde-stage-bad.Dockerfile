FROM busybox AS src
ADD https://example.com/x /
FROM busybox
