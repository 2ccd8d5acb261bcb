from busybox as Builder
CMD echo x
