FROM busybox AS a
RUN echo a
FROM busybox AS b
RUN echo b
FROM a AS c
COPY --from=b / /b
FROM busybox AS unused
RUN echo never
FROM c AS final
RUN echo final
