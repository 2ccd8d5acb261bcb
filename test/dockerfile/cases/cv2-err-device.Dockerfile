FROM busybox
RUN --device=foo true
