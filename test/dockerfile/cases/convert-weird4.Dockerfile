FROM busybox
VOLUME [""]
