FROM busybox AS a
COPY --from=b /x /x
FROM busybox AS b
RUN touch /x
