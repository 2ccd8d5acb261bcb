FROM busybox
RUN true
