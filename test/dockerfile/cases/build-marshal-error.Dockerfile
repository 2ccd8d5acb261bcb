FROM busybox
run []
