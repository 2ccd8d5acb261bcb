FROM busybox AS a
