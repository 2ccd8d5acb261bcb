FROM --platform=windows/amd64 busybox
WORKDIR C:\\app
WORKDIR D:\\x
