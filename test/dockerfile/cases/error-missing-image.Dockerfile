FROM busybox
RUN true
FROM example.com/missing:1
RUN true
