FROM busybox AS a
FROM busybox
ARG SRC=a
COPY --from=$SRC /x /x
