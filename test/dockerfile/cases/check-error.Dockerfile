# check=error=true
FROM busybox
CMD echo warns then fails
