FROM busybox
COPY --chmod=10000 a /a
