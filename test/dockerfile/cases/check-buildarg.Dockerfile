FROM busybox
CMD echo x
