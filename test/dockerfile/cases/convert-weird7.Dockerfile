FROM Busybox
