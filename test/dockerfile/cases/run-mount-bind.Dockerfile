FROM busybox AS src
RUN mkdir -p /data && echo x > /data/x
FROM busybox
RUN --mount=type=bind,from=src,source=/data,target=/mnt/data cat /mnt/data/x
RUN --mount=type=bind,target=/ctx,rw cat /ctx/file
RUN --mount=from=busybox,src=/bin,dst=/b,readonly ls /b
RUN --mount=type=bind,source=sub,target=/s,ro=true ls /s
