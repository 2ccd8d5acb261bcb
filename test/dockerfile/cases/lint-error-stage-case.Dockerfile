FROM busybox AS Builder
FROM Builder
